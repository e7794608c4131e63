package io.cutflow.ingest.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.SocketFactory;
import okhttp3.ConnectionPool;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Fetches an image by URL for the ingest side, refusing what would let a client reach the server's
 * own network (server-side request forgery): only http(s); every address the host resolves to must
 * be public ({@link AddressPolicy}) unless the host is allow-listed; the connection goes to exactly
 * the addresses checked (OkHttp with a pinned {@link Dns}: OkHttp connects to the addresses the Dns
 * gives and still sends the name as Host header and TLS SNI, so a second, rebound DNS answer is
 * never asked for); at most {@link #MAX_REDIRECTS} redirects, each target checked again; reading
 * stops past {@code maxBytes} whatever Content-Length says; one deadline covers all hops and the
 * body. No proxy is used: a proxy would resolve the name itself.
 *
 * <p>OkHttp over {@code java.net.http.HttpClient}: the JDK client offers no hook to choose the
 * address it connects to while keeping the name for Host and SNI; OkHttp (already here as the MinIO
 * SDK's HTTP client) does, through {@link Dns}.
 */
public final class UrlFetcher {
  public static final int MAX_REDIRECTS = 5;

  private static final Pattern NUMERIC_HOST = Pattern.compile("[0-9.]+");
  private static final Pattern DOTTED_QUAD =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

  /** What was fetched: the bytes, the URL they came from after redirects, and a file name. */
  public record Fetched(byte[] bytes, String finalUrl, String contentType, String fileName) {}

  private final HostResolver resolver;
  private final Set<String> allowHosts;
  private final long maxBytes;
  private final Duration timeout;
  private final OkHttpClient base;

  /**
   * @param allowHosts host names (or IP literals) exempt from the address check, case-insensitive
   * @param maxBytes largest body accepted
   * @param timeout the whole fetch, all redirects and the body included
   */
  public UrlFetcher(
      HostResolver resolver, Set<String> allowHosts, long maxBytes, Duration timeout) {
    this(resolver, allowHosts, maxBytes, timeout, SocketFactory.getDefault());
  }

  /**
   * With the sockets from {@code sockets}: tests stand in for the internet with a factory whose
   * sockets record the address asked for and connect to a loopback server instead.
   */
  UrlFetcher(
      HostResolver resolver,
      Set<String> allowHosts,
      long maxBytes,
      Duration timeout,
      SocketFactory sockets) {
    this.resolver = resolver;
    this.allowHosts =
        allowHosts.stream()
            .map(h -> h.trim().toLowerCase(Locale.ROOT))
            .filter(h -> !h.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    this.maxBytes = maxBytes;
    this.timeout = timeout;
    this.base =
        new OkHttpClient.Builder()
            .proxy(Proxy.NO_PROXY)
            .socketFactory(sockets)
            // each fetch pins its own Dns, so a pooled connection is never reused: keep none idle
            .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS))
            .followRedirects(false)
            .followSslRedirects(false)
            .retryOnConnectionFailure(false)
            .connectTimeout(timeout)
            .readTimeout(timeout)
            .build();
  }

  /** Allow-listed hosts from the setting's comma-separated form. */
  public static Set<String> hostList(String commaSeparated) {
    Set<String> hosts = new LinkedHashSet<>();
    for (String h : commaSeparated.split(",")) {
      if (!h.isBlank()) {
        hosts.add(h.trim().toLowerCase(Locale.ROOT));
      }
    }
    return hosts;
  }

  /** Fetches {@code url}; every refusal is an {@link UrlFetchException} naming its reason. */
  public Fetched fetch(String url) {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpUrl current = parse(url, url, "");
    for (int redirects = 0; ; redirects++) {
      List<InetAddress> pinned = checkedAddresses(url, current);
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw timedOut(url);
      }
      OkHttpClient client =
          base.newBuilder()
              .dns(pinnedDns(current.host(), pinned))
              .callTimeout(remaining, TimeUnit.NANOSECONDS)
              .build();
      Request request =
          new Request.Builder()
              .url(current)
              .header("Accept", "image/*")
              .header("User-Agent", "cutflow-ingest")
              .build();
      try (Response response = client.newCall(request).execute()) {
        if (response.isRedirect()) {
          if (redirects == MAX_REDIRECTS) {
            throw new UrlFetchException(
                UrlFetchException.REDIRECTS,
                url + ": more than " + MAX_REDIRECTS + " redirects; give the final URL");
          }
          String location = response.header("Location");
          if (location == null || location.isBlank()) {
            throw new UrlFetchException(
                UrlFetchException.REDIRECTS,
                url + ": redirect " + response.code() + " from " + current + " has no Location");
          }
          current = parse(location, url, " (redirect from " + current + ")", current);
          continue;
        }
        if (!response.isSuccessful()) {
          throw new UrlFetchException(
              UrlFetchException.UNREACHABLE,
              url + ": " + current + " answered HTTP " + response.code() + "; check the URL");
        }
        ResponseBody body = response.body();
        long declared = body.contentLength();
        if (declared > maxBytes) {
          throw tooLarge(url, "declares " + declared + " bytes");
        }
        byte[] bytes = readCapped(url, body.byteStream(), deadline);
        String type = response.header("Content-Type");
        return new Fetched(bytes, current.toString(), type, fileName(current));
      } catch (InterruptedIOException e) {
        throw timedOut(url);
      } catch (IOException e) {
        throw new UrlFetchException(
            UrlFetchException.UNREACHABLE, url + ": cannot fetch " + current + ": " + e);
      }
    }
  }

  private HttpUrl parse(String url, String original, String context) {
    return parse(url, original, context, null);
  }

  /** {@code link} absolute, or relative to {@code base}; only http(s). */
  private static HttpUrl parse(String link, String original, String context, HttpUrl base) {
    HttpUrl parsed = base == null ? HttpUrl.parse(link.trim()) : base.resolve(link.trim());
    if (parsed != null) {
      return parsed;
    }
    String scheme;
    try {
      scheme = URI.create(link.trim()).getScheme();
    } catch (IllegalArgumentException e) {
      scheme = null;
    }
    if (scheme != null && !scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      throw new UrlFetchException(
          UrlFetchException.SCHEME,
          original
              + context
              + ": scheme '"
              + scheme
              + "' is not allowed; only http and https URLs are fetched");
    }
    throw new UrlFetchException(
        UrlFetchException.UNREACHABLE,
        original + context + ": '" + link + "' is not a valid http(s) URL");
  }

  /** The host's addresses, each checked unless the host is allow-listed. */
  private List<InetAddress> checkedAddresses(String url, HttpUrl target) {
    String host = target.host();
    List<InetAddress> addresses = resolve(url, host);
    if (allowHosts.contains(host.toLowerCase(Locale.ROOT))) {
      return addresses;
    }
    for (InetAddress address : addresses) {
      String refusal = AddressPolicy.refusal(address);
      if (refusal != null) {
        throw new UrlFetchException(
            UrlFetchException.ADDRESS,
            url
                + ": host '"
                + host
                + "' resolves to "
                + address.getHostAddress()
                + ", a "
                + refusal
                + " address the server does not fetch from; add the host to"
                + " cutflow.ingest.url-fetch.allow-hosts to allow it");
      }
    }
    return addresses;
  }

  private List<InetAddress> resolve(String url, String host) {
    try {
      if (host.contains(":")) {
        return List.of(InetAddress.getByName(host)); // IPv6 literal, validated by HttpUrl
      }
      if (NUMERIC_HOST.matcher(host).matches()) {
        // OkHttp takes these as literals; Java would read "2130706433" or "127.1" as an address too
        if (!DOTTED_QUAD.matcher(host).matches()) {
          throw new UrlFetchException(
              UrlFetchException.UNREACHABLE,
              url + ": numeric host '" + host + "' is not a dotted-quad IPv4 address");
        }
        return List.of(InetAddress.getByName(host));
      }
      List<InetAddress> addresses = new ArrayList<>(resolver.resolve(host));
      if (addresses.isEmpty()) {
        throw new UnknownHostException(host);
      }
      return List.copyOf(addresses);
    } catch (UnknownHostException e) {
      throw new UrlFetchException(
          UrlFetchException.UNREACHABLE, url + ": host '" + host + "' does not resolve");
    }
  }

  /** The checked addresses for the checked name; any other name is refused. */
  private static Dns pinnedDns(String host, List<InetAddress> pinned) {
    return name -> {
      if (!name.equalsIgnoreCase(host)) {
        throw new UnknownHostException(name + " was not checked");
      }
      return pinned;
    };
  }

  private byte[] readCapped(String url, InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = in.read(chunk)) >= 0; ) {
      total += n;
      if (total > maxBytes) {
        throw tooLarge(url, "sent more than " + maxBytes + " bytes; stopped reading");
      }
      if (System.nanoTime() - deadline > 0) {
        throw timedOut(url);
      }
      out.write(chunk, 0, n);
    }
    return out.toByteArray();
  }

  private UrlFetchException tooLarge(String url, String what) {
    return new UrlFetchException(
        UrlFetchException.TOO_LARGE,
        url
            + ": the body "
            + what
            + "; the limit is "
            + maxBytes
            + " bytes (cutflow.ingest.max-upload-bytes)");
  }

  private UrlFetchException timedOut(String url) {
    return new UrlFetchException(
        UrlFetchException.TIMEOUT,
        url
            + ": not fetched within "
            + timeout.toMillis()
            + " ms (cutflow.ingest.url-fetch.timeout-ms)");
  }

  private static String fileName(HttpUrl url) {
    List<String> segments = url.pathSegments();
    String last = segments.isEmpty() ? "" : segments.get(segments.size() - 1);
    return last.isBlank() ? "image" : last;
  }
}
