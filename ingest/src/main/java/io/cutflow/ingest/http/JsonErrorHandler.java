package io.cutflow.ingest.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.job.JobCodec;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's error handler for what never reaches Javalin: a request line or headers Jetty cannot
 * parse or will not take ({@code %00} in the path, a malformed escape, a URI or headers over the 8
 * KiB limit) and errors raised by Jetty itself. It answers with the API's JSON error body instead
 * of Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
  private static final String JSON = "application/json";
  private final ObjectMapper mapper = JobCodec.newMapper();

  /** Requests Jetty's parser refused (the connection is closed after this answer). */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, JSON);
    return ByteBuffer.wrap(body(status, reason));
  }

  /** Errors Jetty raises while handling a parsed request, e.g. one that escaped the servlet. */
  @Override
  protected void generateAcceptableResponse(
      Request baseRequest,
      HttpServletRequest request,
      HttpServletResponse response,
      int code,
      String message)
      throws IOException {
    baseRequest.setHandled(true);
    byte[] body = body(code, message);
    response.setContentType(JSON);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  private byte[] body(int status, String reason) {
    ApiError error =
        new ApiError(status, Errors.codeFor(status), Errors.messageFor(status, reason));
    try {
      return mapper.writeValueAsBytes(error.body());
    } catch (JsonProcessingException e) {
      return ("{\"error\":\"" + error.code() + "\"}").getBytes(StandardCharsets.UTF_8);
    }
  }
}
