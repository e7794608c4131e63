package io.cutflow.ingest.http;

import io.cutflow.common.image.ContentKind;
import io.cutflow.common.image.ContentSniffer;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads the images of a multipart request: the size limit ({@code cutflow.ingest.max-upload-bytes})
 * and a sniff of each file's bytes, so only decodable images become jobs; and, before any of that,
 * room for them in the instance's upload memory ({@link UploadBudget}).
 */
final class Uploads {

  /** An accepted upload: bytes sniffed to be a decodable image. */
  record Upload(String fileName, byte[] bytes, ContentKind kind) {}

  private final long maxUploadBytes;
  private final UploadBudget budget;
  private final MinBodyRate minRate;

  Uploads(long maxUploadBytes, UploadBudget budget, MinBodyRate minRate) {
    this.maxUploadBytes = maxUploadBytes;
    this.budget = budget;
    this.minRate = minRate;
  }

  /**
   * Room in the upload memory for this request's body (its {@code Content-Length}, else the upload
   * limit; none for a GET) and, with {@code byUrl}, for an image it fetches; taken before anything
   * is read, given back when closed.
   *
   * @throws ApiError 503 {@code overloaded} when no room came in time
   */
  UploadBudget.Reservation reserve(Context ctx, boolean byUrl) {
    long body = ctx.contentLength() < 0 && ctx.method() == HandlerType.GET ? 0 : bodyBytes(ctx);
    return budget.reserve(body + (byUrl ? maxUploadBytes : 0));
  }

  /**
   * Reads the request's body with {@code read}, closing the connection when it arrives slower than
   * {@code cutflow.ingest.min-data-rate-bytes} ({@link MinBodyRate}).
   */
  <T> T readBody(Context ctx, Supplier<T> read) {
    return minRate.read(ctx, bodyBytes(ctx), read);
  }

  /**
   * The whole body of a request that is not multipart (a JSON job), at most the upload limit, read
   * through a stream that stops there: a larger body is 413 {@code payload_too_large}, refused
   * unread by its {@code Content-Length}, or, sent without one (chunked), once more than the limit
   * has arrived, nothing past it read. (Javalin's {@code bodyAsBytes} checks {@code maxRequestSize}
   * against the {@code Content-Length} only, and reads a chunked body whole.)
   */
  byte[] readAll(Context ctx) {
    try {
      return readAll(ctx.bodyInputStream(), ctx.contentLength());
    } catch (IOException e) { // a body cut short
      throw ApiError.badRequest("malformed_json", "cannot read the request body: " + e);
    }
  }

  /** {@link #readAll(Context)} of {@code in}, whose {@code Content-Length} is {@code declared}. */
  byte[] readAll(InputStream in, long declared) throws IOException {
    if (declared > maxUploadBytes) {
      throw tooLarge("request body of " + declared + " bytes");
    }
    // no Java array holds more than about 2 GiB; a limit configured above that stops there
    int limit = (int) Math.min(maxUploadBytes, Integer.MAX_VALUE - 16);
    byte[] body = BoundedBody.read(in, declared, limit);
    if (body == null) {
      throw tooLarge("request body (sent without Content-Length)");
    }
    return body;
  }

  /** The body's size as declared, at most the upload limit (a larger one is refused unread). */
  private long bodyBytes(Context ctx) {
    long declared = ctx.contentLength();
    return declared >= 0 ? Math.min(declared, maxUploadBytes) : maxUploadBytes;
  }

  /** Bytes reserved in the upload memory now. */
  long reservedBytes() {
    return budget.reservedBytes();
  }

  /** Jetty's multipart parser refuses a part header line longer than this (bytes). */
  static final int MAX_PART_HEADER_LINE = 998;

  /**
   * The multipart files of the request (all fields, or only {@code field}), size-checked and
   * sniffed.
   */
  List<Upload> read(Context ctx, String field) {
    long declared = ctx.contentLength();
    if (declared > maxUploadBytes) {
      throw tooLarge(declared);
    }
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase().startsWith("multipart/form-data")) {
      throw ApiError.badRequest(
          "multipart_required",
          "send images as multipart/form-data file parts (e.g. curl -F file=@photo.jpg), got content type "
              + (type == null ? "none" : "'" + type + "'"));
    }
    List<UploadedFile> files;
    try {
      files = readBody(ctx, () -> field == null ? ctx.uploadedFiles() : ctx.uploadedFiles(field));
    } catch (ApiError e) {
      throw e;
    } catch (Exception e) { // also Jetty's EofException (an IOException) for a body cut short
      if (exceedsLimit(e)) {
        throw tooLarge(-1);
      }
      if (String.valueOf(e.getMessage()).contains("Header Line Exceeded Max Length")) {
        throw ApiError.badRequest(
            "malformed_multipart",
            "a part's header line is over "
                + MAX_PART_HEADER_LINE
                + " bytes, the most a multipart header line may have (RFC 5322's line length),"
                + " most likely because of its file name: shorten the file name");
      }
      throw ApiError.badRequest(
          "malformed_multipart", "cannot read the multipart body: " + e.getMessage());
    }
    if (files.isEmpty()) {
      throw ApiError.badRequest(
          "missing_file",
          field == null
              ? "no image in the request: send one or more file parts (e.g. -F file=@photo.jpg)"
              : "no image in the form field '" + field + "' (e.g. -F " + field + "=@photo.jpg)");
    }
    List<Upload> out = new ArrayList<>();
    long total = 0;
    for (UploadedFile file : files) {
      byte[] bytes;
      try (InputStream in = file.content()) {
        bytes = in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      total += bytes.length;
      if (total > maxUploadBytes) {
        throw tooLarge(total);
      }
      String name =
          file.filename() == null || file.filename().isBlank() ? "image" : file.filename();
      out.add(accept(name, bytes));
    }
    return out;
  }

  /**
   * {@code bytes} as an upload named {@code name}: 400 when empty, 415 when not an image Cutflow
   * decodes. Shared by multipart uploads and images fetched by URL.
   */
  static Upload accept(String name, byte[] bytes) {
    if (bytes.length == 0) {
      throw ApiError.badRequest("empty_file", name + ": the file is empty");
    }
    ContentKind kind = ContentSniffer.sniff(bytes);
    if (!kind.isDecodable()) {
      throw new ApiError(
          415,
          "unsupported_media_type",
          name
              + ": detected "
              + kind.mimeType()
              + (kind.isImage() ? ", an image format Cutflow cannot decode" : ", not an image")
              + " (supported: JPEG, PNG, GIF, WebP, BMP, TIFF)",
          Map.of("detected", kind.mimeType()));
    }
    return new Upload(name, bytes, kind);
  }

  /** Jetty reports an over-limit body as an exception somewhere in the cause chain. */
  private static boolean exceedsLimit(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null
          && (m.contains("exceeds max")
              || m.contains("exceeds maxRequestSize")
              || m.contains("max filesize")
              || m.contains("too large"))) {
        return true;
      }
    }
    return false;
  }

  private ApiError tooLarge(long bytes) {
    return tooLarge(bytes > 0 ? "upload of " + bytes + " bytes" : "upload");
  }

  private ApiError tooLarge(String what) {
    return new ApiError(
        413,
        "payload_too_large",
        what
            + " exceeds the limit of "
            + maxUploadBytes
            + " bytes (cutflow.ingest.max-upload-bytes)");
  }
}
