package io.cutflow.ingest.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The SSRF rules of {@link UrlFetcher} against a real HTTP server on loopback, with DNS answers and
 * "public" addresses from {@link FakeInternet}.
 */
class UrlFetcherTest {
  private static final byte[] IMAGE = "not really a PNG, the fetcher does not care".getBytes();
  private static final String PUBLIC = "198.51.100.7";
  private static final long LIMIT = 64 * 1024;

  private FakeInternet net;
  private int port;

  @BeforeEach
  void start() throws IOException {
    net = new FakeInternet();
    port = net.port();
    net.route("/image.png", ex -> FakeInternet.send(ex, 200, IMAGE));
    net.answer("images.test", List.of(PUBLIC));
  }

  @AfterEach
  void stop() {
    net.close();
  }

  private UrlFetcher fetcher(Set<String> allow, Duration timeout) {
    return new UrlFetcher(net.resolver(), allow, LIMIT, timeout, net.sockets());
  }

  private UrlFetcher fetcher() {
    return fetcher(Set.of(), Duration.ofSeconds(30));
  }

  private String url(String host, String path) {
    return "http://" + host + ":" + port + path;
  }

  private static UrlFetchException refused(String code, Executable fetch) {
    UrlFetchException e = assertThrows(UrlFetchException.class, fetch);
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }

  @Test
  void aPublicNameIsFetchedFromTheAddressThatWasCheckedWithItsNameAsHost() {
    UrlFetcher.Fetched f = fetcher().fetch(url("images.test", "/image.png"));
    assertArrayEquals(IMAGE, f.bytes());
    assertEquals("image.png", f.fileName());
    assertEquals(List.of(new InetSocketAddress(PUBLIC, port)), net.connectedTo);
    assertEquals(List.of("images.test:" + port), net.hostHeaders);
  }

  @Test
  void aNameThatRebindsToLoopbackIsNeitherAskedTwiceNorReached() {
    net.answer("rebind.test", List.of(PUBLIC), List.of("127.0.0.1"));
    UrlFetcher fetcher = fetcher();

    UrlFetcher.Fetched f = fetcher.fetch(url("rebind.test", "/image.png"));
    assertArrayEquals(IMAGE, f.bytes());
    // one lookup: the connection went to the checked address, the rebound answer was never asked
    assertEquals(1, net.lookups("rebind.test"));
    assertEquals(List.of(new InetSocketAddress(PUBLIC, port)), net.connectedTo);

    // the next fetch asks again, gets loopback and is refused before connecting
    UrlFetchException e =
        refused(UrlFetchException.ADDRESS, () -> fetcher.fetch(url("rebind.test", "/image.png")));
    assertTrue(e.getMessage().contains("loopback"), e.getMessage());
    assertEquals(1, net.connectedTo.size());
  }

  @Test
  void loopbackPrivateAndMetadataAddressesAreRefusedBeforeConnecting() {
    net.answer("mixed.test", List.of(PUBLIC, "10.0.0.5"));
    net.answer("metadata.test", List.of("169.254.169.254"));
    net.answer("v6.test", List.of("::1"));
    UrlFetcher fetcher = fetcher();
    for (String[] c :
        new String[][] {
          {url("127.0.0.1", "/image.png"), "loopback"},
          {url("[::1]", "/image.png"), "loopback"},
          {url("[::ffff:127.0.0.1]", "/image.png"), "loopback"},
          {url("[fe80::1]", "/image.png"), "link-local"},
          {url("0.0.0.0", "/image.png"), "unspecified"},
          {url("mixed.test", "/image.png"), "private"},
          {url("metadata.test", "/latest/meta-data/"), "cloud metadata"},
          {url("v6.test", "/image.png"), "loopback"},
        }) {
      UrlFetchException e = refused(UrlFetchException.ADDRESS, () -> fetcher.fetch(c[0]));
      assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
      assertTrue(e.getMessage().contains("cutflow.ingest.url-fetch.allow-hosts"), e.getMessage());
    }
    // numeric forms Java would read as 127.0.0.1 are not taken as names
    refused(UrlFetchException.UNREACHABLE, () -> fetcher.fetch(url("2130706433", "/")));
    refused(UrlFetchException.UNREACHABLE, () -> fetcher.fetch(url("127.1", "/")));
    assertEquals(List.of(), net.connectedTo);
  }

  @Test
  void aRedirectToAPrivateAddressIsRefused() {
    net.answer("metadata.test", List.of("169.254.169.254"));
    net.route(
        "/to-metadata",
        ex -> FakeInternet.redirect(ex, url("metadata.test", "/latest/meta-data/")));
    net.route("/to-loopback", ex -> FakeInternet.redirect(ex, url("[::ffff:7f00:1]", "/x")));
    net.route("/to-file", ex -> FakeInternet.redirect(ex, "file:///etc/passwd"));

    UrlFetchException e =
        refused(
            UrlFetchException.ADDRESS, () -> fetcher().fetch(url("images.test", "/to-metadata")));
    assertTrue(e.getMessage().contains("cloud metadata"), e.getMessage());
    e =
        refused(
            UrlFetchException.ADDRESS, () -> fetcher().fetch(url("images.test", "/to-loopback")));
    assertTrue(e.getMessage().contains("loopback"), e.getMessage());
    e = refused(UrlFetchException.SCHEME, () -> fetcher().fetch(url("images.test", "/to-file")));
    assertTrue(e.getMessage().contains("'file'"), e.getMessage());
    // only the three redirecting requests reached the server
    assertEquals(3, net.requests.get());
  }

  @Test
  void fiveRedirectsAreFollowedAndASixthIsRefused() {
    for (int i = 1; i <= 6; i++) {
      int next = i - 1;
      // relative Location: resolved against the current URL, then checked like any other
      net.route("/hop/" + i, ex -> FakeInternet.redirect(ex, "/hop/" + next));
    }
    net.route("/hop/0", ex -> FakeInternet.send(ex, 200, IMAGE));

    assertArrayEquals(IMAGE, fetcher().fetch(url("images.test", "/hop/5")).bytes());
    assertEquals(6, net.requests.get());

    UrlFetchException e =
        refused(UrlFetchException.REDIRECTS, () -> fetcher().fetch(url("images.test", "/hop/6")));
    assertTrue(e.getMessage().contains("more than 5 redirects"), e.getMessage());
    assertEquals(6 + 6, net.requests.get(), "the sixth redirect's target is never asked");
  }

  @Test
  void aBodyWithoutContentLengthIsCutOffAtTheLimit() {
    net.route(
        "/endless",
        ex -> {
          ex.sendResponseHeaders(200, 0); // chunked: no Content-Length at all
          byte[] chunk = new byte[8192];
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 8192; i++) { // up to 64 MiB, far past the limit
              out.write(chunk);
            }
          } catch (IOException clientHungUp) {
            // expected: the fetcher stops reading and closes
          }
        });
    UrlFetchException e =
        refused(UrlFetchException.TOO_LARGE, () -> fetcher().fetch(url("images.test", "/endless")));
    assertTrue(e.getMessage().contains("stopped reading"), e.getMessage());
  }

  @Test
  void aDeclaredLengthOverTheLimitIsRefusedAndOneUnderItIsNotTrustedFurther() {
    net.route("/big", ex -> FakeInternet.send(ex, 200, new byte[(int) LIMIT + 1]));
    net.route("/exact", ex -> FakeInternet.send(ex, 200, new byte[(int) LIMIT]));
    UrlFetchException e =
        refused(UrlFetchException.TOO_LARGE, () -> fetcher().fetch(url("images.test", "/big")));
    assertTrue(e.getMessage().contains("declares " + (LIMIT + 1)), e.getMessage());
    assertEquals(LIMIT, fetcher().fetch(url("images.test", "/exact")).bytes().length);
  }

  @Test
  void aSlowBodyRunsIntoTheTotalTimeout() {
    net.route(
        "/slow",
        ex -> {
          ex.sendResponseHeaders(200, 0);
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0;
                i < 600;
                i++) { // one byte every 100 ms: each read is quick, the whole is not
              out.write('x');
              out.flush();
              Thread.sleep(100);
            }
          } catch (IOException | InterruptedException clientHungUp) {
            // expected
          }
        });
    long t0 = System.nanoTime();
    UrlFetchException e =
        refused(
            UrlFetchException.TIMEOUT,
            () -> fetcher(Set.of(), Duration.ofSeconds(1)).fetch(url("images.test", "/slow")));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(e.getMessage().contains("1000 ms"), e.getMessage());
    assertTrue(ms < 30_000, "gave up after " + ms + " ms, long after the 1 s timeout");
  }

  @Test
  void onlyHttpAndHttpsSchemesAreFetched() {
    for (String bad :
        List.of("file:///etc/passwd", "ftp://images.test/a.png", "gopher://images.test:70/")) {
      UrlFetchException e = refused(UrlFetchException.SCHEME, () -> fetcher().fetch(bad));
      assertTrue(e.getMessage().contains("only http and https"), e.getMessage());
    }
    refused(UrlFetchException.UNREACHABLE, () -> fetcher().fetch("not a url"));
    assertEquals(0, net.requests.get());
  }

  @Test
  void allowListedHostsMayResolveToPrivateAddresses() {
    net.answer("internal.test", List.of("10.0.0.5"));
    UrlFetcher open = fetcher(Set.of("Internal.Test", "127.0.0.1"), Duration.ofSeconds(30));
    assertArrayEquals(IMAGE, open.fetch(url("internal.test", "/image.png")).bytes());
    assertArrayEquals(IMAGE, open.fetch(url("127.0.0.1", "/image.png")).bytes());
    assertEquals(
        List.of(new InetSocketAddress("10.0.0.5", port), new InetSocketAddress("127.0.0.1", port)),
        net.connectedTo);
    // the list opens those hosts only
    net.answer("other.test", List.of("10.0.0.6"));
    refused(UrlFetchException.ADDRESS, () -> open.fetch(url("other.test", "/image.png")));
  }

  @Test
  void aNonSuccessAnswerNamesTheStatus() {
    net.route(
        "/missing", ex -> FakeInternet.send(ex, 404, "gone".getBytes(StandardCharsets.UTF_8)));
    UrlFetchException e =
        refused(
            UrlFetchException.UNREACHABLE, () -> fetcher().fetch(url("images.test", "/missing")));
    assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
  }
}
