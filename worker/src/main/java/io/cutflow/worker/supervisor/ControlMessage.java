package io.cutflow.worker.supervisor;

import io.cutflow.worker.service.ExitReason;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The supervisor⇄worker control protocol: one message per line, a verb then {@code key=value}
 * fields. The worker ({@code --control-stdin}) writes {@link Ready}, {@link Assigned}, {@link
 * Revoked}, {@link FirstRecord}, {@link Taken}, {@link Done}, {@link Finished} and {@link Exit} on
 * stdout; the supervisor writes {@link Suspect}, {@link Go}, {@link Stop} and {@link Bye} on the
 * worker's stdin. Both ends (and the tests' fake worker) encode and parse through this class only,
 * so the two sides cannot drift apart.
 */
public sealed interface ControlMessage {

  /** The line to write, without the newline. */
  String encode();

  /** Worker → supervisor: model loaded and warmed, connections open; waiting for {@link Go}. */
  record Ready(long pid, int opsPort, long warmMs) implements ControlMessage {
    @Override
    public String encode() {
      return "READY pid=" + pid + " ops=" + opsPort + " warm_ms=" + warmMs;
    }
  }

  /**
   * Worker → supervisor: partitions assigned in group generation {@code generation} (-1: unknown).
   */
  record Assigned(int generation, List<Integer> partitions) implements ControlMessage {
    public Assigned {
      partitions = List.copyOf(partitions);
    }

    @Override
    public String encode() {
      return "ASSIGNED gen=" + generation + " partitions=" + join(partitions);
    }
  }

  /** Worker → supervisor: partitions revoked or lost (a rebalance moved them away). */
  record Revoked(List<Integer> partitions) implements ControlMessage {
    public Revoked {
      partitions = List.copyOf(partitions);
    }

    @Override
    public String encode() {
      return "REVOKED partitions=" + join(partitions);
    }
  }

  /** Worker → supervisor: the first record this process took (epoch ms): a handover's end. */
  record FirstRecord(long epochMillis) implements ControlMessage {
    @Override
    public String encode() {
      return "FIRST_RECORD ms=" + epochMillis;
    }
  }

  /**
   * Worker → supervisor: the record at {@code offset} of jobs-topic partition {@code partition} has
   * entered this process's pipeline. If the process dies before {@link Done}, the record is charged
   * with the crash.
   */
  record Taken(int partition, long offset) implements ControlMessage {
    @Override
    public String encode() {
      return "TAKEN partition=" + partition + " offset=" + offset;
    }
  }

  /** Worker → supervisor: the result (or failure) of a {@link Taken} record is published. */
  record Done(int partition, long offset) implements ControlMessage {
    @Override
    public String encode() {
      return "DONE partition=" + partition + " offset=" + offset;
    }
  }

  /**
   * Supervisor → worker: the record at {@code offset} of jobs-topic partition {@code partition} was
   * in flight in {@code crashes} workers that died, the last time for {@code reason}; {@code
   * crashes} 0 means it is no longer a suspect. The reason travels URL-encoded, so any text fits in
   * one field of one line.
   */
  record Suspect(int partition, long offset, int crashes, String reason) implements ControlMessage {
    public Suspect {
      reason = reason == null ? "" : reason;
    }

    @Override
    public String encode() {
      return "SUSPECT partition="
          + partition
          + " offset="
          + offset
          + " crashes="
          + crashes
          + " reason="
          + URLEncoder.encode(reason, StandardCharsets.UTF_8);
    }
  }

  /** Worker → supervisor: {@code count} results published so far (the quota is near or not). */
  record Finished(long count) implements ControlMessage {
    @Override
    public String encode() {
      return "FINISHED n=" + count;
    }
  }

  /**
   * Worker → supervisor: drained, committed, consumer closed (a successor may join now); the
   * process waits for {@link Bye} before tearing down. {@code reason} is null when the line named
   * none.
   */
  record Exit(ExitReason reason, long finished, long lastCommitMs, long firstRecordMs)
      implements ControlMessage {
    @Override
    public String encode() {
      return "EXIT reason="
          + reason
          + " finished="
          + finished
          + " last_commit_ms="
          + lastCommitMs
          + " first_record_ms="
          + firstRecordMs;
    }
  }

  /** Supervisor → worker: join the consumer group and start working. */
  record Go() implements ControlMessage {
    @Override
    public String encode() {
      return "GO";
    }
  }

  /** Supervisor → worker: drain, commit and exit (a warming worker exits once warm). */
  record Stop() implements ControlMessage {
    @Override
    public String encode() {
      return "STOP";
    }
  }

  /** Supervisor → worker: after {@link Exit}, the successor has its first record: tear down now. */
  record Bye() implements ControlMessage {
    @Override
    public String encode() {
      return "BYE";
    }
  }

  ControlMessage GO = new Go();
  ControlMessage STOP = new Stop();
  ControlMessage BYE = new Bye();

  /**
   * The message on {@code line}, or empty if it is none (a stray line of output). Missing or
   * malformed numbers read as 0 (-1 for a generation), a reason that is no {@link ExitReason} as
   * {@link ExitReason#FATAL}.
   */
  static Optional<ControlMessage> parse(String line) {
    String trimmed = line.trim();
    int space = trimmed.indexOf(' ');
    String verb = space < 0 ? trimmed : trimmed.substring(0, space);
    Map<String, String> kv = fields(trimmed);
    ControlMessage m =
        switch (verb) {
          case "READY" ->
              new Ready(
                  longOf(kv.get("pid")), (int) longOf(kv.get("ops")), longOf(kv.get("warm_ms")));
          case "ASSIGNED" ->
              new Assigned(
                  kv.containsKey("gen") ? (int) longOf(kv.get("gen")) : -1,
                  partitions(kv.get("partitions")));
          case "REVOKED" -> new Revoked(partitions(kv.get("partitions")));
          case "FIRST_RECORD" -> new FirstRecord(longOf(kv.get("ms")));
          case "FINISHED" -> new Finished(longOf(kv.get("n")));
          case "TAKEN" -> new Taken((int) longOf(kv.get("partition")), longOf(kv.get("offset")));
          case "DONE" -> new Done((int) longOf(kv.get("partition")), longOf(kv.get("offset")));
          case "SUSPECT" ->
              new Suspect(
                  (int) longOf(kv.get("partition")),
                  longOf(kv.get("offset")),
                  (int) longOf(kv.get("crashes")),
                  decode(kv.get("reason")));
          case "EXIT" ->
              new Exit(
                  reasonOf(kv.get("reason")),
                  longOf(kv.get("finished")),
                  longOf(kv.get("last_commit_ms")),
                  longOf(kv.get("first_record_ms")));
          case "GO" -> GO;
          case "STOP" -> STOP;
          case "BYE" -> BYE;
          default -> null;
        };
    return Optional.ofNullable(m);
  }

  private static Map<String, String> fields(String line) {
    Map<String, String> kv = new HashMap<>();
    for (String token : line.split("\\s+")) {
      int eq = token.indexOf('=');
      if (eq > 0) {
        kv.put(token.substring(0, eq), token.substring(eq + 1));
      }
    }
    return kv;
  }

  private static String join(List<Integer> partitions) {
    return partitions.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private static List<Integer> partitions(String v) {
    if (v == null || v.isBlank()) {
      return List.of();
    }
    return Arrays.stream(v.split(",")).map(String::trim).map(Integer::valueOf).toList();
  }

  private static String decode(String v) {
    if (v == null) {
      return "";
    }
    try {
      return URLDecoder.decode(v, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return v; // a malformed escape: the text as it came
    }
  }

  private static ExitReason reasonOf(String v) {
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return ExitReason.valueOf(v);
    } catch (IllegalArgumentException e) {
      return ExitReason.FATAL;
    }
  }

  private static long longOf(String v) {
    if (v == null) {
      return 0;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
