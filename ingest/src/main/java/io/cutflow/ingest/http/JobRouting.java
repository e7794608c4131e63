package io.cutflow.ingest.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.ingest.status.StatusOwner;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a job's status or cutout request to the ingest instance that holds the job's status
 * partition. Asked on every {@code GET /v1/jobs/{id}[/cutout]}: empty means "answer here"; an
 * answer from the owner is passed back as is. While no owner is known (a rebalance) or the owner
 * does not answer or answers 503 (other than {@code overloaded}), the owner is looked up again a
 * few times with a short backoff, then the request gets 503 {@code rebalancing} with {@code
 * Retry-After}.
 *
 * <p>A forwarded request carries {@link #FORWARDED_HEADER}: it is answered where it arrives (or
 * with the 503 when this instance does not own the job any more), never forwarded again, so two
 * instances with different views of the assignment cannot bounce a request between them.
 */
final class JobRouting {
  private static final Logger log = LoggerFactory.getLogger(JobRouting.class);

  /** Marks a request one instance forwarded to another; its value is the sender's address. */
  static final String FORWARDED_HEADER = "X-Cutflow-Forwarded-By";

  /** What a client should wait before retrying while the instances rebalance, in seconds. */
  static final long REBALANCE_RETRY_AFTER_S = 2;

  /** Headers passed on to the owner: the client's credentials (the owner checks them again). */
  private static final String[] PASSED_HEADERS = {"X-API-Key", "Authorization", "Accept"};

  /** Names, on a forwarded answer, the instance that gave it (for clients and tests). */
  static final String ANSWERED_BY_HEADER = "X-Cutflow-Answered-By";

  /** An answer from the owning instance at {@code from}. */
  record PeerAnswer(String from, int status, Map<String, String> headers, byte[] body) {}

  /** One HTTP GET to another instance. */
  @FunctionalInterface
  interface Peer {
    PeerAnswer get(URI uri, Map<String, String> headers) throws IOException, InterruptedException;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Function<String, StatusOwner> owners;
  private final Peer peer;
  private final Supplier<String> self;
  private final Duration[] backoff;

  /**
   * @param owners the owner of a job id ({@code JobStatusService::ownerOf})
   * @param self this instance's advertised address, sent in {@link #FORWARDED_HEADER}
   * @param backoff the waits between lookups; their count + 1 is the number of attempts
   */
  JobRouting(
      Function<String, StatusOwner> owners, Peer peer, Supplier<String> self, Duration... backoff) {
    this.owners = owners;
    this.peer = peer;
    this.self = self;
    this.backoff = backoff.clone();
  }

  /** Routing over {@link HttpClient} with 5 attempts in about 1.5 s. */
  static JobRouting overHttp(Function<String, StatusOwner> owners, Supplier<String> self) {
    return new JobRouting(
        owners,
        httpPeer(),
        self,
        Duration.ofMillis(100),
        Duration.ofMillis(200),
        Duration.ofMillis(400),
        Duration.ofMillis(800));
  }

  /**
   * The owner's answer for this request, or empty when this instance owns the job.
   *
   * @throws ApiError 503 {@code rebalancing} when no owner answered within the attempts
   */
  Optional<PeerAnswer> route(Context ctx, String jobId) {
    String forwardedBy = ctx.header(FORWARDED_HEADER);
    if (forwardedBy != null) {
      StatusOwner owner = owners.apply(jobId);
      if (owner instanceof StatusOwner.Local) {
        return Optional.empty();
      }
      // the sender's view of the assignment is stale or ours is: let the sender retry
      throw rebalancing(jobId, "forwarded by " + forwardedBy + " but " + describe(owner));
    }
    String path = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
    Map<String, String> headers = new LinkedHashMap<>();
    for (String name : PASSED_HEADERS) {
      String v = ctx.header(name);
      if (v != null) {
        headers.put(name, v);
      }
    }
    headers.put(FORWARDED_HEADER, String.valueOf(self.get()));
    String last = "";
    for (int attempt = 0; ; attempt++) {
      StatusOwner owner = owners.apply(jobId);
      if (owner instanceof StatusOwner.Local) {
        return Optional.empty();
      }
      if (owner instanceof StatusOwner.Remote remote) {
        URI uri = URI.create(remote.baseUrl() + path);
        try {
          PeerAnswer answer = peer.get(uri, headers);
          if (answer.status() != 503 || isOverloaded(answer)) {
            // an overloaded owner says when to come back; asking it again at once would add load
            return Optional.of(answer);
          }
          last = remote.baseUrl() + " answered 503 (" + body(answer) + ")";
        } catch (IOException e) {
          last = remote.baseUrl() + " did not answer: " + e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw rebalancing(jobId, "interrupted while asking " + remote.baseUrl());
        }
      } else {
        last = describe(owner);
      }
      if (attempt >= backoff.length) {
        log.atWarn()
            .setMessage("no instance answered for a job; answering 503")
            .addKeyValue("job_id", jobId)
            .addKeyValue("attempts", attempt + 1)
            .addKeyValue("last", last)
            .log();
        throw rebalancing(jobId, last);
      }
      try {
        Thread.sleep(backoff[attempt].toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw rebalancing(jobId, "interrupted");
      }
    }
  }

  /** Writes the owner's answer to this request. */
  static void copy(PeerAnswer answer, Context ctx) {
    ctx.status(answer.status());
    answer.headers().forEach(ctx::header);
    ctx.header(ANSWERED_BY_HEADER, answer.from());
    ctx.result(answer.body());
  }

  /** 503 {@code rebalancing} for {@code jobId}, with {@code why} and {@code Retry-After}. */
  static ApiError rebalancing(String jobId, String why) {
    return new ApiError(
        503,
        "rebalancing",
        "job "
            + jobId
            + " cannot be answered right now ("
            + why
            + "); the ingest instances are rebalancing, retry after "
            + REBALANCE_RETRY_AFTER_S
            + " s",
        Map.of("job_id", jobId),
        REBALANCE_RETRY_AFTER_S);
  }

  private static String describe(StatusOwner owner) {
    if (owner instanceof StatusOwner.Remote r) {
      return "the job is held by " + r.baseUrl();
    }
    if (owner instanceof StatusOwner.Unknown u) {
      return u.reason();
    }
    return "the job is held here";
  }

  /** Whether the owner refused for load (503 {@code overloaded}), not for a rebalance. */
  private static boolean isOverloaded(PeerAnswer a) {
    try {
      return "overloaded".equals(JSON.readTree(a.body()).path("error").asText());
    } catch (IOException e) {
      return false; // not the API's JSON error: a proxy's page, say; treated as any 503
    }
  }

  private static String body(PeerAnswer a) {
    String s = new String(a.body(), java.nio.charset.StandardCharsets.UTF_8);
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** Headers of the owner's answer that the client needs. */
  private static final String[] RETURNED_HEADERS = {
    "Content-Type",
    "Content-Disposition",
    "Retry-After",
    "WWW-Authenticate",
    "Cache-Control",
    "X-Cutflow-Job-Id"
  };

  static Peer httpPeer() {
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return (uri, headers) -> {
      // a hung owner costs at most this per attempt (a status or one PNG from the object store)
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
      headers.forEach(b::header);
      HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      Map<String, String> returned = new LinkedHashMap<>();
      for (String name : RETURNED_HEADERS) {
        r.headers().firstValue(name).ifPresent(v -> returned.put(name, v));
      }
      return new PeerAnswer(
          uri.getScheme() + "://" + uri.getRawAuthority(), r.statusCode(), returned, r.body());
    };
  }
}
