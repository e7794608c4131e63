package io.cutflow.ingest.fetch;

/**
 * A URL that was not fetched: {@code code} says which rule refused it (stable, for clients), the
 * message names the URL, the reason and the fix. The HTTP API answers it as 400.
 */
public final class UrlFetchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Not http or https (also a redirect to such a URL). */
  public static final String SCHEME = "url_scheme_not_allowed";

  /** The host resolves to an address the server must not reach (loopback, private, ...). */
  public static final String ADDRESS = "url_address_not_allowed";

  /** More than {@link UrlFetcher#MAX_REDIRECTS} redirects, or one without a usable Location. */
  public static final String REDIRECTS = "url_too_many_redirects";

  /** The body exceeds the upload limit (whatever Content-Length said). */
  public static final String TOO_LARGE = "url_too_large";

  /** The whole fetch (all hops, the body included) took longer than its timeout. */
  public static final String TIMEOUT = "url_timeout";

  /** Malformed URL, unknown host, connection failure, or a non-2xx answer. */
  public static final String UNREACHABLE = "url_unreachable";

  private final String code;

  public UrlFetchException(String code, String message) {
    super(message);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
