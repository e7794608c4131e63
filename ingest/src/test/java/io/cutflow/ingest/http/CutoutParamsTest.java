package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CutoutParamsTest {
  private static CutoutParams parse(Map<String, String> params) {
    return CutoutParams.parse(params::get);
  }

  @Test
  void defaults() {
    CutoutParams p = parse(Map.of());
    assertNull(p.options().model());
    assertFalse(p.options().onlyMask());
    assertFalse(p.options().postProcessMask());
    assertNull(p.options().bgcolor());
    assertTrue(p.ignored().isEmpty());
  }

  @Test
  void rembgNames() {
    CutoutParams p =
        parse(
            Map.of(
                "model", "isnet-general-use", "om", "true", "ppm", "1", "bgc", "255,255,255,255"));
    assertEquals("isnet-general-use", p.options().model());
    assertTrue(p.options().onlyMask());
    assertTrue(p.options().postProcessMask());
    assertEquals(List.of(255, 255, 255, 255), p.options().bgcolor());
  }

  @Test
  void longNamesAndTupleColour() {
    CutoutParams p =
        parse(Map.of("only_mask", "yes", "post_process_mask", "off", "bgcolor", "(0, 10, 20, 30)"));
    assertTrue(p.options().onlyMask());
    assertFalse(p.options().postProcessMask());
    assertEquals(List.of(0, 10, 20, 30), p.options().bgcolor());
  }

  @Test
  void alphaMattingIsAnOptionNoLongerIgnored() {
    CutoutParams p = parse(Map.of("a", "true", "af", "230", "ab", "12", "ae", "15"));
    assertTrue(p.ignored().isEmpty(), p.ignored().toString());
    assertTrue(p.options().alphaMatting());
    assertEquals(230, p.options().alphaMattingForegroundThreshold());
    assertEquals(12, p.options().alphaMattingBackgroundThreshold());
    assertEquals(15, p.options().alphaMattingErodeSize());
    CutoutParams defaults = parse(Map.of("alpha_matting", "yes"));
    assertTrue(defaults.options().alphaMatting());
    assertEquals(240, defaults.options().alphaMattingForegroundThreshold());
    assertEquals(10, defaults.options().alphaMattingBackgroundThreshold());
    assertEquals(10, defaults.options().alphaMattingErodeSize());
    assertTrue(parse(Map.of("extras", "{}")).ignored().isEmpty());
    assertEquals(400, assertThrows(ApiError.class, () -> parse(Map.of("af", "256"))).status());
    assertEquals(400, assertThrows(ApiError.class, () -> parse(Map.of("ae", "-1"))).status());
    assertEquals(400, assertThrows(ApiError.class, () -> parse(Map.of("a", "maybe"))).status());
  }

  @Test
  void extrasCarriesTheSamPromptAndSamWithoutOneIs400() {
    CutoutParams p =
        parse(
            Map.of(
                "model",
                "sam",
                "extras",
                "{\"sam_prompt\": [{\"type\": \"point\", \"data\": [5, 6], \"label\": 1}]}"));
    assertTrue(p.ignored().isEmpty());
    assertEquals(
        List.of(Map.of("type", "point", "data", List.of(5, 6), "label", 1)),
        p.options().samPrompt());
    ApiError e = assertThrows(ApiError.class, () -> parse(Map.of("model", "sam")));
    assertEquals(400, e.status());
    assertTrue(e.getMessage().contains("sam_prompt"), e.getMessage());
    ApiError bad =
        assertThrows(ApiError.class, () -> parse(Map.of("extras", "{\"sam_prompt\": [1]}")));
    assertTrue(bad.getMessage().contains("extras: sam_prompt[0]"), bad.getMessage());
  }

  @Test
  void malformedValuesAre400NamingTheParameter() {
    ApiError e = assertThrows(ApiError.class, () -> parse(Map.of("bgc", "1,2,3")));
    assertEquals(400, e.status());
    assertEquals("invalid_parameter", e.code());
    assertTrue(e.getMessage().startsWith("bgc:"), e.getMessage());
    assertTrue(
        assertThrows(ApiError.class, () -> parse(Map.of("bgcolor", "1,2,3,999")))
            .getMessage()
            .startsWith("bgcolor:"));
    assertTrue(
        assertThrows(ApiError.class, () -> parse(Map.of("om", "sure")))
            .getMessage()
            .startsWith("om:"));
    assertTrue(
        assertThrows(ApiError.class, () -> parse(Map.of("model", "../etc")))
            .getMessage()
            .startsWith("model:"));
  }
}
