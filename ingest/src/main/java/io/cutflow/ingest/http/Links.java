package io.cutflow.ingest.http;

import java.nio.charset.StandardCharsets;

/**
 * The links the API hands out ({@code status_url}, {@code cutout_url}, {@code Location}, {@code
 * output.url}): under {@code cutflow.ingest.public-url}, or relative to the server root when none
 * is configured. Never built from the request's {@code Host} header, which the client chooses: a
 * response must not point its reader at a host an attacker named.
 */
final class Links {
  private final String base;

  /** {@code publicUrl} empty = relative links. */
  Links(String publicUrl) {
    String b = publicUrl == null ? "" : publicUrl.trim();
    while (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    this.base = b;
  }

  String job(String jobId) {
    return base + "/v1/jobs/" + pathSegment(jobId);
  }

  String cutout(String jobId) {
    return job(jobId) + "/cutout";
  }

  /**
   * Percent-encodes everything but RFC 3986's unreserved characters: ids from other producers may
   * hold '/', '?', '#' or spaces, which would otherwise change what the link points at.
   */
  static String pathSegment(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c >= 'A' && c <= 'Z'
          || c >= 'a' && c <= 'z'
          || c >= '0' && c <= '9'
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)));
        out.append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
