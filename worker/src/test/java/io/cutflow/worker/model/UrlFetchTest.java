package io.cutflow.worker.model;

import static io.cutflow.worker.model.TestSpecs.md5;
import static io.cutflow.worker.model.TestSpecs.randomBytes;
import static io.cutflow.worker.model.TestSpecs.sha256;
import static io.cutflow.worker.model.TestSpecs.spec;
import static io.cutflow.worker.model.TestSpecs.urls;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UrlFetchTest {

  static final byte[] DATA = randomBytes(300_000, 1);
  static final byte[] OTHER = randomBytes(300_000, 2);

  @TempDir Path tmp;

  HttpServer server;
  String base;
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  ModelVerifier verifier;
  ModelFetcher fetcher;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
          try (ex) {
            switch (path) {
              case "/good" -> send(ex, 200, DATA, DATA.length);
              case "/other" -> send(ex, 200, OTHER, OTHER.length);
              case "/short" -> send(ex, 200, java.util.Arrays.copyOf(DATA, 1000), 1000);
              case "/cut" -> {
                // promise the full length, send half, drop the connection
                ex.sendResponseHeaders(200, DATA.length);
                OutputStream out = ex.getResponseBody();
                out.write(DATA, 0, DATA.length / 2);
                out.flush();
                throw new IOException("simulated connection drop");
              }
              case "/redirect" -> {
                ex.getResponseHeaders().add("Location", base + "/good");
                ex.sendResponseHeaders(302, -1);
              }
              case "/error" -> send(ex, 500, "boom".getBytes(), 4);
              default -> send(ex, 404, "not found".getBytes(), 9);
            }
          }
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    verifier = new ModelVerifier();
    fetcher =
        new ModelFetcher(
            new UrlDownloader(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(5)),
            new NpmPack(List.of("/nonexistent/npm"), Duration.ofSeconds(5)),
            verifier);
  }

  private static void send(com.sun.net.httpserver.HttpExchange ex, int status, byte[] body, int len)
      throws IOException {
    ex.sendResponseHeaders(status, len);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body, 0, len);
    }
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private ModelRegistry registry(ModelSpec... specs) {
    return new ModelRegistry(
        new ModelManifest(List.of(specs), specs[0].name(), "test"),
        new ModelCache(tmp.resolve("cache")),
        fetcher);
  }

  private ModelSpec goodSpec(String... urls) throws Exception {
    return spec("m", (long) DATA.length, sha256(DATA), null, urls(urls));
  }

  @Test
  void fetchesVerifiesAndReportsProgress() throws Exception {
    ModelSpec s = goodSpec(base + "/good");
    AtomicLong last = new AtomicLong();
    AtomicLong total = new AtomicLong();
    Path p =
        registry(s)
            .ensure(
                "m",
                (done, t) -> {
                  last.set(done);
                  total.set(t);
                });
    assertArrayEquals(DATA, Files.readAllBytes(p));
    assertEquals(tmp.resolve("cache/m.onnx"), p);
    assertEquals(DATA.length, last.get());
    assertEquals(DATA.length, total.get());
    assertTrue(Files.exists(ModelVerifier.sidecar(p)));
    try (Stream<Path> files = Files.list(p.getParent())) {
      assertFalse(files.anyMatch(f -> f.toString().endsWith(".part")), "temp file left behind");
    }
  }

  @Test
  void followsRedirects() throws Exception {
    Path p = registry(goodSpec(base + "/redirect")).ensure("m", FetchProgress.NONE);
    assertArrayEquals(DATA, Files.readAllBytes(p));
  }

  @Test
  void checksumMismatchNamesSourceAndMismatch() throws Exception {
    ModelSpec s = goodSpec(base + "/other");
    ModelFetchException e =
        assertThrows(ModelFetchException.class, () -> registry(s).ensure("m", null));
    assertTrue(e.getMessage().contains("url " + base + "/other"), e.getMessage());
    assertTrue(e.getMessage().contains("sha256 mismatch"), e.getMessage());
    assertTrue(
        e.getMessage().contains(sha256(DATA)) && e.getMessage().contains(sha256(OTHER)),
        e.getMessage());
    assertTrue(
        e.getMessage().contains(tmp.resolve("cache/m.onnx").toString()),
        "should say where to put it");
    assertFalse(Files.exists(tmp.resolve("cache/m.onnx")));
  }

  @Test
  void triesSourcesInOrder() throws Exception {
    ModelSpec s = goodSpec(base + "/missing", base + "/good", base + "/other");
    Path p = registry(s).ensure("m", FetchProgress.NONE);
    assertArrayEquals(DATA, Files.readAllBytes(p));
    assertEquals(1, hits.get("/missing").get());
    assertEquals(1, hits.get("/good").get());
    assertFalse(hits.containsKey("/other"), "should stop at the first good source");
  }

  @Test
  void truncatedBodyFails() throws Exception {
    ModelSpec s = goodSpec(base + "/cut");
    ModelFetchException e =
        assertThrows(ModelFetchException.class, () -> registry(s).ensure("m", null));
    assertTrue(e.getMessage().contains("url " + base + "/cut"), e.getMessage());
    assertTrue(
        e.getMessage().contains("interrupted") || e.getMessage().contains("truncated"),
        e.getMessage());
    assertFalse(Files.exists(tmp.resolve("cache/m.onnx")));
  }

  @Test
  void shortFileFailsOnSize() throws Exception {
    ModelSpec s = goodSpec(base + "/short");
    ModelFetchException e =
        assertThrows(ModelFetchException.class, () -> registry(s).ensure("m", null));
    assertTrue(e.getMessage().contains("size mismatch"), e.getMessage());
  }

  @Test
  void shortFileWithUnknownSizeFailsOnChecksum() throws Exception {
    ModelSpec s = spec("m", null, sha256(DATA), null, urls(base + "/short"));
    ModelFetchException e =
        assertThrows(ModelFetchException.class, () -> registry(s).ensure("m", null));
    assertTrue(e.getMessage().contains("sha256 mismatch"), e.getMessage());
  }

  @Test
  void allSourcesFailingListsEveryOne() throws Exception {
    ModelSpec s =
        goodSpec(base + "/missing", base + "/error", base + "/other", "http://127.0.0.1:1/nothing");
    ModelFetchException e =
        assertThrows(ModelFetchException.class, () -> registry(s).ensure("m", null));
    String msg = e.getMessage();
    assertEquals(4, e.failures().size(), msg);
    assertTrue(msg.contains("url " + base + "/missing: HTTP 404"), msg);
    assertTrue(msg.contains("url " + base + "/error: HTTP 500"), msg);
    assertTrue(msg.contains("url " + base + "/other: sha256 mismatch"), msg);
    assertTrue(msg.contains("url http://127.0.0.1:1/nothing: connection failed"), msg);
    assertTrue(msg.contains("manually"), msg);
  }

  @Test
  void md5OnlySpecIsVerifiedByMd5() throws Exception {
    ModelSpec good = spec("m", null, null, md5(DATA), urls(base + "/good"));
    assertArrayEquals(DATA, Files.readAllBytes(registry(good).ensure("m", null)));

    ModelSpec bad = spec("n", null, null, md5(DATA), urls(base + "/other"));
    ModelFetchException e =
        assertThrows(ModelFetchException.class, () -> registry(bad).ensure("n", null));
    assertTrue(
        e.getMessage().contains("md5 mismatch: expected " + md5(DATA) + ", got " + md5(OTHER)),
        e.getMessage());
  }

  @Test
  void corruptCachedFileOfTheRightSizeIsRefetched() throws Exception {
    ModelSpec s = goodSpec(base + "/good");
    Path target = tmp.resolve("cache/m.onnx");
    Files.createDirectories(target.getParent());
    Files.write(target, OTHER); // same size, wrong bytes, no sidecar
    ModelRegistry reg = registry(s);
    assertEquals(ModelRegistry.State.PRESENT, reg.list().get(0).state());
    assertEquals(ModelRegistry.State.INVALID, reg.status("m", true).state());
    Path p = reg.ensure("m", null);
    assertArrayEquals(DATA, Files.readAllBytes(p));
    assertEquals(1, hits.get("/good").get());
    assertEquals(ModelRegistry.State.VERIFIED, reg.list().get(0).state());
  }

  @Test
  void truncatedCachedFileIsRefetched() throws Exception {
    ModelSpec s = goodSpec(base + "/good");
    ModelRegistry reg = registry(s);
    Path p = reg.ensure("m", null);
    Files.write(p, java.util.Arrays.copyOf(DATA, 1234));
    assertEquals(ModelRegistry.State.INVALID, reg.list().get(0).state());
    reg.ensure("m", null);
    assertArrayEquals(DATA, Files.readAllBytes(p));
    assertEquals(2, hits.get("/good").get());
  }

  @Test
  void verifiedRecordAvoidsRehashingButAnyChangeForcesARecheck() throws Exception {
    ModelSpec s = goodSpec(base + "/good");
    ModelRegistry reg = registry(s);
    Path p = reg.ensure("m", null);
    long hashes = verifier.fullHashCount();
    for (int i = 0; i < 5; i++) {
      reg.ensure("m", null);
    }
    assertEquals(hashes, verifier.fullHashCount(), "unchanged file must not be rehashed");
    assertEquals(1, hits.get("/good").get());

    // corrupt in place (same size) and make sure the modification time differs from the recorded
    // one
    Files.write(p, OTHER);
    Files.setLastModifiedTime(
        p, FileTime.fromMillis(Files.getLastModifiedTime(p).toMillis() - 10_000));
    assertEquals(ModelRegistry.State.PRESENT, reg.list().get(0).state());
    reg.ensure("m", null);
    assertArrayEquals(DATA, Files.readAllBytes(p));
    assertEquals(2, hits.get("/good").get(), "corrupt file must be fetched again");
    assertTrue(verifier.fullHashCount() > hashes);
  }

  @Test
  void manuallyPlacedGoodFileIsAcceptedWithoutNetwork() throws Exception {
    ModelSpec s = goodSpec(base + "/missing");
    Path target = tmp.resolve("cache/m.onnx");
    Files.createDirectories(target.getParent());
    Files.write(target, DATA);
    assertEquals(target, registry(s).ensure("m", null));
    assertFalse(hits.containsKey("/missing"));
  }

  @Test
  void unknownModelNamesTheKnownOnes() throws Exception {
    ModelRegistry reg = registry(goodSpec(base + "/good"));
    UnknownModelException e =
        assertThrows(UnknownModelException.class, () -> reg.ensure("zzz", null));
    assertTrue(e.getMessage().contains("known models: m"), e.getMessage());
  }
}
