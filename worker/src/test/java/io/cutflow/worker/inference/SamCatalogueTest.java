package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.InvalidOptionException;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.model.Checksum;
import io.cutflow.worker.model.ChecksumSettings;
import io.cutflow.worker.model.ModelCache;
import io.cutflow.worker.model.ModelFetchException;
import io.cutflow.worker.model.ModelFetcher;
import io.cutflow.worker.model.ModelManifest;
import io.cutflow.worker.model.ModelRegistry;
import io.cutflow.worker.model.ModelSource;
import io.cutflow.worker.model.ModelSpec;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalogue's {@code sam} entry end to end without the real weights: its two files (a tiny
 * encoder and a tiny prompt-dependent decoder, {@link TinyOnnx}) served by a local server in place
 * of rembg's release URLs, fetched and verified by the registry against the SHA-256 the operator
 * sets, loaded by {@link RemoverFactory} and run by {@link BackgroundRemover#remove} with a point
 * prompt, the mask checked against values computed by hand.
 *
 * <p>The tiny decoder ({@link TinySam}) makes two masks from the embedding (the canvas itself): red
 * − 128, and green − c where c is a quarter of the first point's x on the canvas, so the prompt
 * decides the second. The image is 8×4, red 255 in columns 0..3, green 255 in row 3; its scale onto
 * the 1024×684 canvas is 128, and each image pixel maps back onto a canvas pixel exactly, so the
 * mask at (x, y) is 255 where x < 4, or where y = 3 and 255 > c. A point at x = 4 gives c = 4·128/4
 * = 128: row 3 is in. A point at x = 8 gives c = 256: row 3 is out.
 */
class SamCatalogueTest {
  private static final int W = 8;
  private static final int H = 4;
  private static final String ENCODER_KEY = "cutflow.models.sam-encoder-sha256";
  private static final String DECODER_KEY = "cutflow.models.sam-decoder-sha256";

  @TempDir Path tmp;
  private HttpServer server;
  private byte[] encoder;
  private byte[] decoder;

  @BeforeEach
  void serveTheTinyFiles() throws Exception {
    encoder = Files.readAllBytes(TinySam.encoder(tmp.resolve("encoder.onnx")));
    decoder = Files.readAllBytes(TinySam.promptedDecoder(tmp.resolve("decoder.onnx")));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/encoder", ex -> send(ex, encoder));
    server.createContext("/decoder", ex -> send(ex, decoder));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static void send(com.sun.net.httpserver.HttpExchange ex, byte[] body)
      throws java.io.IOException {
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(body);
    }
  }

  /** The bundled manifest's sam entry as it is, its two URLs moved to the local server. */
  private Path manifest() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String bundled;
    try (InputStream in = ModelManifest.class.getResourceAsStream(ModelManifest.RESOURCE)) {
      bundled = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    ObjectNode root = (ObjectNode) json.readTree(bundled);
    ArrayNode kept = json.createArrayNode();
    for (var n : root.get("models")) {
      if (n.get("name").asText().equals("sam")) {
        for (String role : List.of("encoder", "decoder")) {
          ((ObjectNode) n.get("parts").get(role).get("sources").get(0))
              .put("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/" + role);
        }
        kept.add(n);
      }
    }
    root.set("models", kept);
    root.put("default", "sam");
    return Files.writeString(tmp.resolve("models.json"), json.writeValueAsString(root));
  }

  private ModelRegistry registry(Map<String, String> settings) throws Exception {
    ModelManifest m =
        ModelManifest.load(manifest())
            .withChecksumSettings(ChecksumSettings.of(CutflowConfig.isolated(settings)));
    return new ModelRegistry(m, new ModelCache(tmp.resolve("cache")), new ModelFetcher());
  }

  private static String sha256(byte[] data) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
  }

  private Map<String, String> rightDigests() throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put(ENCODER_KEY, sha256(encoder));
    s.put(DECODER_KEY, sha256(decoder));
    return s;
  }

  private static byte[] image() throws Exception {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        img.setRGB(x, y, ((x < 4 ? 255 : 0) << 16) | ((y == 3 ? 255 : 0) << 8));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  private static CutoutOptions point(int x, int y) {
    return CutoutOptions.DEFAULTS.with(
        CutoutOptions.SAM_PROMPT,
        List.of(Map.of("type", "point", "data", List.of(x, y), "label", 1)));
  }

  private static RemoverFactory.Loaded open(ModelRegistry registry) throws Exception {
    // one warm-up run: the built-in image with the centre point goes through the same path
    return RemoverFactory.open(
        registry, "sam", new InferenceSession.Settings(1, false), ImageLimits.defaults(), 1);
  }

  @Test
  void theEntryIsRembgsTwoFilesWithoutAChecksumOfTheirOwn() {
    ModelSpec sam = ModelManifest.loadDefault().find("sam").orElseThrow();
    String releases = "https://github.com/danielgatis/rembg/releases/download/v0.0.0/";
    assertEquals(ModelSpec.Family.SAM, sam.family());
    assertEquals(new ModelSpec.InputSize(1024, 684), sam.input());
    assertEquals(2, sam.files().size());
    for (String role : List.of("encoder", "decoder")) {
      ModelSpec f = sam.part(role);
      String file = "sam_vit_b_01ec64." + role + ".onnx";
      assertEquals(file, f.file());
      assertEquals(List.of(new ModelSource.UrlSource(URI.create(releases + file))), f.sources());
      assertTrue(f.checksum().isEmpty(), "rembg gives none (pooch known_hash None)");
      assertEquals("cutflow.models.sam-" + role + "-sha256", f.sha256Setting());
    }
    assertTrue(sam.licence().contains("Apache-2.0"), sam.licence());
    assertFalse(sam.nonCommercial());
  }

  @Test
  void withoutTheOperatorsDigestsNothingIsFetchedAndTheErrorNamesTheSetting() throws Exception {
    ModelRegistry registry = registry(Map.of());
    ModelFetchException e = assertThrows(ModelFetchException.class, () -> open(registry));
    assertTrue(e.getMessage().contains(ENCODER_KEY), e.getMessage());
    assertTrue(e.getMessage().contains("CUTFLOW_MODELS_SAM_ENCODER_SHA256"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("cache").resolve("sam_vit_b_01ec64.encoder.onnx")));
    // one digest given: the other file is still refused, by its own setting
    Map<String, String> one = Map.of(ENCODER_KEY, sha256(encoder));
    e = assertThrows(ModelFetchException.class, () -> open(registry(one)));
    assertTrue(e.getMessage().contains(DECODER_KEY), e.getMessage());
  }

  @Test
  void aWrongDigestIsAMismatchAndTheFileIsNotKept() throws Exception {
    Map<String, String> wrong = rightDigests();
    wrong.put(DECODER_KEY, sha256(encoder));
    ModelFetchException e = assertThrows(ModelFetchException.class, () -> open(registry(wrong)));
    assertTrue(e.getMessage().contains("sha256 mismatch"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("cache").resolve("sam_vit_b_01ec64.decoder.onnx")));
  }

  @Test
  void aPointPromptCutsWhereItPointsThroughTheRegistryAndTheRemover() throws Exception {
    ModelRegistry registry = registry(rightDigests());
    try (RemoverFactory.Loaded loaded = open(registry)) {
      Path cache = tmp.resolve("cache");
      assertEquals(cache.resolve("sam_vit_b_01ec64.encoder.onnx"), loaded.file());
      assertTrue(Files.exists(cache.resolve("sam_vit_b_01ec64.decoder.onnx")));
      assertEquals(
          new Checksum(Checksum.Algorithm.SHA256, sha256(decoder)),
          registry.manifest().get("sam").part("decoder").checksum().orElseThrow());
      // both files are listed, each verified
      assertEquals(
          List.of("sam.encoder", "sam.decoder"),
          registry.list().stream().map(s -> s.spec().name()).toList());
      assertTrue(registry.list().stream().allMatch(s -> s.state() == ModelRegistry.State.VERIFIED));

      BackgroundRemover remover = loaded.remover();
      int[][] inside =
          mask(remover.remove(image(), "8x4.png", point(4, 2).with(CutoutOptions.ONLY_MASK, true)));
      int[][] outside =
          mask(remover.remove(image(), "8x4.png", point(8, 1).with(CutoutOptions.ONLY_MASK, true)));
      for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
          assertEquals(x < 4 || y == 3 ? 255 : 0, inside[y][x], "point (4,2): x=" + x + " y=" + y);
          assertEquals(x < 4 ? 255 : 0, outside[y][x], "point (8,1): x=" + x + " y=" + y);
        }
      }
      // the cutout: the mask as alpha over the image's own colours
      BackgroundRemover.Cutout cutout = remover.remove(image(), "8x4.png", point(4, 2));
      assertNull(cutout.note());
      BufferedImage rgba = ImageIO.read(new ByteArrayInputStream(cutout.png()));
      assertEquals(0xFFFF0000, rgba.getRGB(0, 0));
      assertEquals(0xFF00FF00, rgba.getRGB(7, 3));
      assertEquals(0, rgba.getRGB(7, 0) >>> 24);
    }
  }

  @Test
  void modelsFetchTakesTheDigestsFromTheSettingsAndFetchesBothFiles() throws Exception {
    String manifest = manifest().toString();
    String cache = tmp.resolve("cli-cache").toString();
    String[] refused =
        modelsCommand("fetch", "sam", "--no-progress", "--cache", cache, "--manifest", manifest);
    assertEquals("1", refused[0], refused[1] + refused[2]);
    assertTrue(
        refused[2].contains("sam: FAILED model file sam_vit_b_01ec64.encoder.onnx"), refused[2]);
    assertTrue(refused[2].contains(ENCODER_KEY), refused[2]);

    Map<String, String> digests = rightDigests();
    digests.forEach(System::setProperty);
    try {
      String[] fetched =
          modelsCommand("fetch", "sam", "--no-progress", "--cache", cache, "--manifest", manifest);
      assertEquals("0", fetched[0], fetched[1] + fetched[2]);
      assertEquals(
          List.of(
              "sam: ok " + Path.of(cache).resolve("sam_vit_b_01ec64.encoder.onnx"),
              "sam: ok " + Path.of(cache).resolve("sam_vit_b_01ec64.decoder.onnx")),
          fetched[1].lines().toList());
      String[] list = modelsCommand("list", "--cache", cache, "--manifest", manifest);
      assertTrue(list[1].matches("(?s).*sam\\.encoder +sam +1024x684 +\\? +verified .*"), list[1]);
      assertTrue(list[1].matches("(?s).*sam\\.decoder +sam +1024x684 +\\? +verified .*"), list[1]);
    } finally {
      digests.keySet().forEach(System::clearProperty);
    }
  }

  private static String[] modelsCommand(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = new picocli.CommandLine(new io.cutflow.worker.cli.ModelsCommand());
    cl.setOut(new java.io.PrintWriter(out));
    cl.setErr(new java.io.PrintWriter(err));
    int rc = cl.execute(args);
    return new String[] {String.valueOf(rc), out.toString(), err.toString()};
  }

  @Test
  void withoutAPromptTheJobFailsNamingTheOption() throws Exception {
    try (RemoverFactory.Loaded loaded = open(registry(rightDigests()))) {
      InvalidOptionException e =
          assertThrows(
              InvalidOptionException.class,
              () -> loaded.remover().remove(image(), "8x4.png", CutoutOptions.DEFAULTS));
      assertEquals("sam_prompt", e.option());
      assertTrue(e.getMessage().contains("-x/--extras"), e.getMessage());
    }
  }

  private static int[][] mask(BackgroundRemover.Cutout cutout) throws Exception {
    Raster r = ImageIO.read(new ByteArrayInputStream(cutout.png())).getRaster();
    int[][] m = new int[r.getHeight()][r.getWidth()];
    for (int y = 0; y < r.getHeight(); y++) {
      for (int x = 0; x < r.getWidth(); x++) {
        m[y][x] = r.getSample(x, y, 0);
      }
    }
    return m;
  }
}
