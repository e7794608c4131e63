package io.cutflow.ingest.http;

import java.io.IOException;
import java.io.InputStream;

/**
 * A request body read whole, but never past a limit. Javalin checks its {@code maxRequestSize}
 * against the {@code Content-Length} only, and reads a chunked body whole whatever its size.
 */
public final class BoundedBody {
  private BoundedBody() {}

  /**
   * The body {@code in} delivers, or null when it is longer than {@code limit} bytes: refused
   * unread when its {@code Content-Length} ({@code declared}; -1 when absent) says so, else once
   * {@code limit + 1} bytes have arrived, nothing past them read.
   */
  public static byte[] read(InputStream in, long declared, int limit) throws IOException {
    if (declared > limit) {
      return null;
    }
    byte[] body = in.readNBytes(limit + 1); // grows as bytes arrive, never past limit + 1
    return body.length > limit ? null : body;
  }
}
