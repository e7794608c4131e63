package io.cutflow.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** rembg b's printf-style output specifiers, as Python fills them with the frame number. */
class FrameNamesTest {

  @Test
  void theFrameNumberFillsItsConversionAsPythonWould() {
    assertEquals("out/frame-0007.png", FrameNames.parse("out/frame-%04d.png").name(7));
    assertEquals("out/frame-012.png", FrameNames.parse("out/frame-%03u.png").name(12));
    assertEquals("f12345.png", FrameNames.parse("f%03i.png").name(12345));
    assertEquals("f3  .png", FrameNames.parse("f%-3d.png").name(3));
    assertEquals("f3.png", FrameNames.parse("f%0d.png").name(3)); // a flag without a width
    assertEquals("100%-0.png", FrameNames.parse("100%%-%d.png").name(0));
    assertEquals("run-%/1.png", FrameNames.parse("run-%%/%d.png").name(1));
  }

  @Test
  void aSpecifierWithoutExactlyOneFrameNumberIsRefusedNamingTheFix() {
    for (String[] bad :
        new String[][] {
          {"out/frame.png", "no frame number"},
          {"out/%d-%d.png", "more than one frame number"},
          {"out/%s.png", "'%s.png' is not a frame number"},
          {"out/%x.png", "'%x.png' is not a frame number"},
          {"out/%.png", "'%.png' is not a frame number"},
          {"out/frame%", "'%' is not a frame number"},
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> FrameNames.parse(bad[0]), bad[0]);
      assertTrue(e.getMessage().startsWith("-o " + bad[0] + ": "), e.getMessage());
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
      assertTrue(e.getMessage().endsWith("e.g. -o out/frame-%04d.png"), e.getMessage());
    }
  }
}
