package io.cutflow.common.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CutoutNamesTest {

  @Test
  void filesOfTheirOwnNameLoseTheirExtensionAsBefore() {
    assertEquals(
        List.of("a.png", "shop/shoes/a b.png", "b.png"),
        CutoutNames.of(List.of("a.jpg", "shop/shoes/a b.jpg", "b.webp")));
  }

  @Test
  void filesThatWouldShareANameEachKeepTheirExtension() {
    // a.JPG.png and a.jpg.png are one file where case is ignored
    assertEquals(
        List.of("a.jpg.png", "a.png.png", "a.JPG~2.png", "b.png", "sub/a.png"),
        CutoutNames.of(List.of("a.jpg", "a.png", "a.JPG", "b.gif", "sub/a.jpg")));
  }

  @Test
  void namesThatStillMeetGetANumber() {
    // a.jpg.png is an input whose own name is a.jpg.png: a.jpg gives way to it
    assertEquals(
        List.of("a.jpg~2.png", "a.png.png", "a.jpg.png"),
        CutoutNames.of(List.of("a.jpg", "a.png", "a.jpg.png")));
    // the same relative path twice (two folders given to one command)
    assertEquals(List.of("x.jpg.png", "x.jpg~2.png"), CutoutNames.of(List.of("x.jpg", "x.jpg")));
  }

  @Test
  void aReservedNameIsNeverAnOutput() {
    // outputs written beside the inputs: a.png must not replace the image a.png
    Set<String> inputs = Set.of("a.png", "b.jpg");
    assertEquals(
        List.of("a.png.png", "b.png"), CutoutNames.of(List.of("a.png", "b.jpg"), inputs::contains));
  }
}
