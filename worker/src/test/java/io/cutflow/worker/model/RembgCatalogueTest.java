package io.cutflow.worker.model;

import static io.cutflow.worker.model.TestSpecs.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.cutflow.worker.cli.ModelsCommand;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * The catalogue entries taken from rembg's sessions ({@code rembg/sessions/*.py}): URL, checksum,
 * family values and licence, as {@code models list} shows them, and the checksums enforced by the
 * fetch path.
 */
class RembgCatalogueTest {
  private static final String RELEASES =
      "https://github.com/danielgatis/rembg/releases/download/v0.0.0/";

  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource({
    "bria-rmbg, bria-rmbg-2.0.onnx, SHA256, 5b486f08200f513f460da46dd701db5fbb47d79b4be4b708a19444bcd4e79958, NONE",
    "birefnet-general, BiRefNet-general-epoch_244.onnx, MD5, 7a35a0141cbbc80de11d9c9a28f52697, SIGMOID",
    "birefnet-general-lite, BiRefNet-general-bb_swin_v1_tiny-epoch_232.onnx, MD5, 4fab47adc4ff364be1713e97b7e66334, SIGMOID",
    "birefnet-portrait, BiRefNet-portrait-epoch_150.onnx, MD5, c3a64a6abf20250d090cd055f12a3b67, SIGMOID",
    "birefnet-dis, BiRefNet-DIS-epoch_590.onnx, MD5, 2d4d44102b446f33a4ebb2e56c051f2b, SIGMOID",
    "birefnet-hrsod, BiRefNet-HRSOD_DHU-epoch_115.onnx, MD5, c017ade5de8a50ff0fd74d790d268dda, SIGMOID",
    "birefnet-cod, BiRefNet-COD-epoch_125.onnx, MD5, f6d0d21ca89d287f17e7afe9f5fd3b45, SIGMOID",
    "birefnet-massive, BiRefNet-massive-TR_DIS5K_TR_TEs-epoch_420.onnx, MD5, 33e726a2136a3d59eb0fdf613e31e3e9, SIGMOID",
  })
  void biRefNetFamilyEntriesAreRembgs(
      String name, String file, Checksum.Algorithm algorithm, String checksum, String activation) {
    ModelSpec m = ModelManifest.loadDefault().find(name).orElseThrow();
    assertEquals(
        List.of(new ModelSource.UrlSource(java.net.URI.create(RELEASES + file))), m.sources());
    assertEquals(new Checksum(algorithm, checksum), m.checksum().orElseThrow());
    assertEquals(ModelSpec.Family.BIREFNET, m.family());
    assertEquals(new ModelSpec.InputSize(1024, 1024), m.input());
    assertEquals(
        new ModelSpec.Normalization(
            new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225}),
        m.normalization());
    assertEquals(0, m.output());
    assertEquals(ModelSpec.Activation.valueOf(activation), m.activation());
    assertFalse(m.licence().isBlank(), name);
  }

  @Test
  void clothSegmentationIsRembgsAndSaysWhatAStackedJobFits() {
    ModelSpec m = ModelManifest.loadDefault().find("u2net_cloth_seg").orElseThrow();
    assertEquals(
        new Checksum(Checksum.Algorithm.MD5, "2434d1f3cb744e0e49386c906e5a08bb"),
        m.checksum().orElseThrow());
    assertEquals(
        List.of(new ModelSource.UrlSource(java.net.URI.create(RELEASES + "u2net_cloth_seg.onnx"))),
        m.sources());
    assertEquals(ModelSpec.Family.U2NET_CLOTH_SEG, m.family());
    assertEquals(3, m.masks());
    assertEquals(new ModelSpec.InputSize(768, 768), m.input());
    assertEquals(
        new ModelSpec.Normalization(
            new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225}),
        m.normalization());
    assertTrue(m.description().contains("cc"), m.description());
  }

  @Test
  void isnetAnimeIsRembgs() {
    ModelSpec m = ModelManifest.loadDefault().find("isnet-anime").orElseThrow();
    assertEquals(
        new Checksum(Checksum.Algorithm.MD5, "6f184e756bb3bd901c8849220a83e38e"),
        m.checksum().orElseThrow());
    assertEquals(
        List.of(new ModelSource.UrlSource(java.net.URI.create(RELEASES + "isnet-anime.onnx"))),
        m.sources());
    assertEquals(
        new ModelSpec.Normalization(new double[] {0.485, 0.456, 0.406}, new double[] {1, 1, 1}),
        m.normalization());
  }

  @Test
  void onlyBriaIsNonCommercialAndItsLicenceSaysSo() {
    ModelManifest m = ModelManifest.loadDefault();
    ModelSpec bria = m.find("bria-rmbg").orElseThrow();
    assertTrue(bria.nonCommercial());
    assertTrue(bria.licence().contains("CC BY-NC 4.0"), bria.licence());
    assertEquals(
        Set.of("bria-rmbg"),
        m.models().stream()
            .filter(ModelSpec::nonCommercial)
            .map(ModelSpec::name)
            .collect(java.util.stream.Collectors.toSet()));
  }

  @Test
  void aNonCommercialModelIsWarnedAboutOncePerProcess() {
    ModelManifest m = ModelManifest.loadDefault();
    ModelSpec bria = m.find("bria-rmbg").orElseThrow();
    ModelSpec free = m.find("birefnet-dis").orElseThrow();
    // other tests of this JVM may have loaded bria already: at most one true, then false for good
    LicenceWarning.warnOnce(bria);
    assertFalse(LicenceWarning.warnOnce(bria));
    assertFalse(LicenceWarning.warnOnce(free));
    ModelSpec renamed =
        new ModelSpec(
            "bria-rmbg-copy-" + System.nanoTime(),
            bria.description(),
            bria.family(),
            "copy.onnx",
            null,
            bria.sha256(),
            null,
            bria.sources(),
            bria.input(),
            bria.normalization(),
            0,
            bria.activation(),
            bria.licence(),
            true,
            1,
            List.of(),
            null);
    assertTrue(LicenceWarning.warnOnce(renamed));
    assertFalse(LicenceWarning.warnOnce(renamed));
  }

  private static String bundledManifest() throws Exception {
    try (InputStream in = ModelManifest.class.getResourceAsStream(ModelManifest.RESOURCE)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new ModelsCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute(args);
    return new String[] {String.valueOf(rc), out.toString(), err.toString()};
  }

  @Test
  void modelsListShowsEachLicenceAndMarksNonCommercialOnes() throws Exception {
    Path manifest = Files.writeString(tmp.resolve("models.json"), bundledManifest());
    String[] list =
        run("list", "--cache", tmp.resolve("cache").toString(), "--manifest", manifest.toString());
    assertEquals("0", list[0], list[2]);
    String out = list[1];
    assertTrue(out.matches("(?s).*\\nNC +bria-rmbg +RMBG-2\\.0 by BRIA AI: CC BY-NC 4\\.0.*"), out);
    assertTrue(out.matches("(?s).*\\n +birefnet-dis +BiRefNet .*MIT.*"), out);
    for (ModelSpec m : ModelManifest.loadDefault().models()) {
      assertTrue(out.contains(m.name()), m.name());
    }
    // sam: a row per file, its licence once, and what it needs before it can be used
    assertTrue(
        out.matches(
            "(?s).*\\n +sam\\.encoder +sam +1024x684 .*sam_vit_b_01ec64\\.encoder\\.onnx\\n.*"),
        out);
    assertTrue(
        out.matches(
            "(?s).*\\n +sam\\.decoder +sam +1024x684 .*sam_vit_b_01ec64\\.decoder\\.onnx\\n.*"),
        out);
    assertTrue(out.matches("(?s).*\\n +sam +Segment Anything .*Apache-2\\.0.*"), out);
    assertTrue(
        out.contains(
            "sam.encoder: no published checksum: unusable until cutflow.models.sam-encoder-sha256"),
        out);
  }

  @Test
  void theFetchPathEnforcesTheCataloguesChecksums() throws Exception {
    byte[] notTheWeights = randomBytes(4096, 7);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        ex -> {
          ex.sendResponseHeaders(200, notTheWeights.length);
          try (OutputStream o = ex.getResponseBody()) {
            o.write(notTheWeights);
          }
        });
    server.start();
    try {
      // the catalogue's entries as they are, their sources moved to the local server
      ObjectMapper json = new ObjectMapper();
      ObjectNode root = (ObjectNode) json.readTree(bundledManifest());
      ArrayNode kept = json.createArrayNode();
      for (var n : root.get("models")) {
        String name = n.get("name").asText();
        if (name.equals("bria-rmbg") || name.equals("birefnet-dis")) {
          ObjectNode entry = (ObjectNode) n;
          ((ObjectNode) entry.get("sources").get(0))
              .put("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/" + name);
          kept.add(entry);
        }
      }
      root.set("models", kept);
      root.put("default", "bria-rmbg");
      Path manifest = Files.writeString(tmp.resolve("models.json"), json.writeValueAsString(root));
      Path cache = tmp.resolve("cache");
      String[] fetch =
          run(
              "fetch",
              "--all",
              "--no-progress",
              "--cache",
              cache.toString(),
              "--manifest",
              manifest.toString());
      String all = fetch[1] + fetch[2];
      assertEquals("1", fetch[0], all);
      assertTrue(
          all.contains("5b486f08200f513f460da46dd701db5fbb47d79b4be4b708a19444bcd4e79958"), all);
      assertTrue(all.contains("2d4d44102b446f33a4ebb2e56c051f2b"), all);
      assertFalse(Files.exists(cache.resolve("bria-rmbg.onnx")), "a mismatch is not kept");
      assertFalse(Files.exists(cache.resolve("birefnet-dis.onnx")), "a mismatch is not kept");
    } finally {
      server.stop(0);
    }
  }
}
