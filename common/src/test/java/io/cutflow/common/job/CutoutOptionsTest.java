package io.cutflow.common.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CutoutOptionsTest {
  private final ObjectMapper json = JobCodec.newMapper();

  @Test
  void defaultsAndWireForm() throws Exception {
    assertNull(CutoutOptions.DEFAULTS.model());
    assertFalse(CutoutOptions.DEFAULTS.onlyMask());
    assertNull(CutoutOptions.DEFAULTS.bgcolorRgba());
    assertEquals(
        "{\"only_mask\":false,\"post_process_mask\":false}",
        json.writeValueAsString(CutoutOptions.DEFAULTS));
    CutoutOptions o =
        CutoutOptions.DEFAULTS
            .with(CutoutOptions.MODEL, "u2net")
            .with(CutoutOptions.BGCOLOR, List.of(1, 2, 3, 4));
    String text = json.writeValueAsString(o);
    assertEquals(
        "{\"model\":\"u2net\",\"only_mask\":false,\"post_process_mask\":false,"
            + "\"bgcolor\":[1,2,3,4]}",
        text);
    assertEquals(o, json.readValue(text, CutoutOptions.class));
    assertEquals(CutoutOptions.DEFAULTS, CutoutOptions.fromJson(Map.of("unknown", 1)));
  }

  @Test
  void clothCategoryIsOneOfRembgsThreeByEveryName() throws Exception {
    assertNull(CutoutOptions.DEFAULTS.clothCategory());
    assertEquals("upper", CutoutOptions.CLOTH_CATEGORY.parse(" UPPER "));
    assertNull(CutoutOptions.CLOTH_CATEGORY.parse(""));
    assertEquals(List.of("-cc", "--cloth-category"), CutoutOptions.CLOTH_CATEGORY.cliNames());
    assertEquals(List.of("cc", "cloth_category"), CutoutOptions.CLOTH_CATEGORY.httpNames());
    CutoutOptions full = CutoutOptions.DEFAULTS.with(CutoutOptions.CLOTH_CATEGORY, "full");
    String text = json.writeValueAsString(full);
    assertTrue(text.contains("\"cloth_category\":\"full\""), text);
    assertEquals(full, json.readValue(text, CutoutOptions.class));
    InvalidOptionException bad =
        assertThrows(
            InvalidOptionException.class,
            () -> CutoutOptions.builder().parse(CutoutOptions.CLOTH_CATEGORY, "cc", "shoes"));
    assertTrue(bad.getMessage().startsWith("cc: "), bad.getMessage());
    assertTrue(bad.getMessage().contains("upper, lower, full"), bad.getMessage());
    assertThrows(
        InvalidOptionException.class,
        () -> CutoutOptions.fromJson(Map.of("cloth_category", "hat")));
  }

  @Test
  void alphaMattingOptionsAreWrittenOnlyWhenOneIsSet() throws Exception {
    CutoutOptions d = CutoutOptions.DEFAULTS;
    assertFalse(d.alphaMatting());
    assertEquals(240, d.alphaMattingForegroundThreshold());
    assertEquals(10, d.alphaMattingBackgroundThreshold());
    assertEquals(10, d.alphaMattingErodeSize());
    CutoutOptions on = d.with(CutoutOptions.ALPHA_MATTING, true);
    String text = json.writeValueAsString(on);
    assertEquals(
        "{\"only_mask\":false,\"post_process_mask\":false,\"alpha_matting\":true,"
            + "\"alpha_matting_foreground_threshold\":240,"
            + "\"alpha_matting_background_threshold\":10,\"alpha_matting_erode_size\":10}",
        text);
    assertEquals(on, json.readValue(text, CutoutOptions.class));
    CutoutOptions tuned =
        CutoutOptions.fromJson(Map.of("alpha_matting", true, "alpha_matting_erode_size", 3));
    assertEquals(3, tuned.alphaMattingErodeSize());
    InvalidOptionException e =
        assertThrows(
            InvalidOptionException.class,
            () ->
                CutoutOptions.builder()
                    .parse(CutoutOptions.ALPHA_MATTING_FOREGROUND_THRESHOLD, "-af", "256"));
    assertTrue(e.getMessage().startsWith("-af: "), e.getMessage());
    assertThrows(
        InvalidOptionException.class,
        () -> CutoutOptions.fromJson(Map.of("alpha_matting_erode_size", -1)));
  }

  @Test
  void oneParserPerKind() {
    for (String c : new String[] {"1,2,3,4", " 1, 2 ,3,4 ", "(1,2,3,4)", "[1, 2, 3, 4]"}) {
      assertEquals(List.of(1, 2, 3, 4), CutoutOptions.BGCOLOR.parse(c), c);
    }
    assertNull(CutoutOptions.BGCOLOR.parse(" "));
    for (String t : new String[] {"true", "1", "YES", "on", "t", "y"}) {
      assertEquals(true, CutoutOptions.ONLY_MASK.parse(t), t);
    }
    for (String f : new String[] {"false", "0", "no", "off", "f", "n", ""}) {
      assertEquals(false, CutoutOptions.ONLY_MASK.parse(f), f);
    }
    assertNull(CutoutOptions.MODEL.parse("  "));
  }

  @Test
  void errorsNameTheOptionAsGivenAndTheProblemOnce() {
    InvalidOptionException text =
        assertThrows(
            InvalidOptionException.class,
            () -> CutoutOptions.builder().parse(CutoutOptions.BGCOLOR, "-bgc", "300,0,0,0"));
    InvalidOptionException bound =
        assertThrows(
            InvalidOptionException.class,
            () -> CutoutOptions.fromJson(Map.of("bgcolor", List.of(300, 0, 0, 0))));
    assertEquals("-bgc", text.option());
    assertEquals("bgcolor", bound.option());
    assertEquals("each of R,G,B,A must be 0..255, got '300,0,0,0'", text.problem());
    assertEquals(text.problem(), bound.problem());
    assertTrue(
        assertThrows(
                InvalidOptionException.class,
                () -> CutoutOptions.builder().parse(CutoutOptions.MODEL, "model", "a b"))
            .getMessage()
            .contains("cutflow models list"));
  }
}
