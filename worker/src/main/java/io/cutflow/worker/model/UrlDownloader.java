package io.cutflow.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streams an HTTP(S) URL to a file with {@link HttpClient}: follows redirects (never https to
 * http), connect and response-header timeouts, and an idle timeout on the body so a stalled server
 * cannot hang a worker.
 */
public final class UrlDownloader {

  private final Duration connectTimeout;
  private final Duration headerTimeout;
  private final Duration idleTimeout;
  private HttpClient client; // guarded by this; see client()

  public UrlDownloader() {
    this(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(60));
  }

  public UrlDownloader(Duration connectTimeout, Duration headerTimeout, Duration idleTimeout) {
    this.connectTimeout = connectTimeout;
    this.headerTimeout = headerTimeout;
    this.idleTimeout = idleTimeout;
  }

  /**
   * Made at the first download: building one sets up TLS, about 0.2 s of a start that finds its
   * model already cached (every start but the first).
   */
  private synchronized HttpClient client() {
    if (client == null) {
      client =
          HttpClient.newBuilder()
              .followRedirects(HttpClient.Redirect.NORMAL)
              .connectTimeout(connectTimeout)
              .build();
    }
    return client;
  }

  /**
   * Downloads {@code url} into {@code dest} (created or truncated).
   *
   * @param expectedSize expected byte count or -1; a different Content-Length fails before the body
   *     is read
   * @throws IOException with a short reason ("HTTP 404", "size mismatch: …", "connection failed:
   *     …")
   */
  public long download(URI url, Path dest, long expectedSize, FetchProgress progress)
      throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(headerTimeout)
            .header("User-Agent", "cutflow-model-fetcher")
            .GET()
            .build();
    HttpResponse<InputStream> response;
    try {
      response = client().send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    } catch (IOException e) {
      throw new IOException("connection failed: " + describe(e), e);
    }
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("HTTP " + response.statusCode());
      }
      OptionalLong contentLength = response.headers().firstValueAsLong("Content-Length");
      if (expectedSize >= 0
          && contentLength.isPresent()
          && contentLength.getAsLong() != expectedSize) {
        throw new IOException(
            "size mismatch: server sends "
                + contentLength.getAsLong()
                + " bytes, expected "
                + expectedSize);
      }
      long total = expectedSize >= 0 ? expectedSize : contentLength.orElse(-1);
      return copy(body, dest, total, contentLength.orElse(-1), progress);
    }
  }

  private long copy(
      InputStream body, Path dest, long total, long contentLength, FetchProgress progress)
      throws IOException {
    AtomicLong lastActivity = new AtomicLong(System.nanoTime());
    AtomicBoolean done = new AtomicBoolean();
    AtomicBoolean timedOut = new AtomicBoolean();
    Thread watchdog =
        new Thread(
            () -> {
              while (!done.get()) {
                try {
                  Thread.sleep(Math.min(1000, Math.max(10, idleTimeout.toMillis() / 4)));
                } catch (InterruptedException e) {
                  return;
                }
                if (!done.get() && System.nanoTime() - lastActivity.get() > idleTimeout.toNanos()) {
                  timedOut.set(true);
                  try {
                    body.close();
                  } catch (IOException ignored) {
                    // closing aborts the exchange; the reader sees an IOException
                  }
                  return;
                }
              }
            },
            "cutflow-download-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    long n = 0;
    try (OutputStream out = Files.newOutputStream(dest)) {
      byte[] buf = new byte[1 << 16];
      progress.update(0, total);
      int r;
      while ((r = body.read(buf)) >= 0) {
        lastActivity.set(System.nanoTime());
        out.write(buf, 0, r);
        n += r;
        progress.update(n, total);
      }
    } catch (IOException e) {
      if (timedOut.get()) {
        throw new IOException(
            "no data for " + idleTimeout.toSeconds() + " s after " + n + " bytes", e);
      }
      throw new IOException("download interrupted after " + n + " bytes: " + describe(e), e);
    } finally {
      done.set(true);
      watchdog.interrupt();
    }
    if (timedOut.get()) {
      throw new IOException("no data for " + idleTimeout.toSeconds() + " s after " + n + " bytes");
    }
    if (contentLength >= 0 && n != contentLength) {
      throw new IOException("truncated: received " + n + " of " + contentLength + " bytes");
    }
    return n;
  }

  /**
   * The message of {@code e}, or of its first cause that has one, prefixed by the exception type if
   * bare.
   */
  static String describe(Throwable e) {
    String m = e.getMessage();
    if (m != null && !m.isBlank()) {
      return m;
    }
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        return e.getClass().getSimpleName() + " (" + c.getMessage() + ")";
      }
    }
    return e.getClass().getSimpleName();
  }
}
