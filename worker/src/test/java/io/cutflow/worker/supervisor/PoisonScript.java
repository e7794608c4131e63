package io.cutflow.worker.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@link FakeWorkerMain}'s scripted partition: records 0..FAKE_RECORDS-1 of partition 0, taken
 * FAKE_BATCH at a time from the offset committed in FAKE_STATE/committed (shared by the slot's
 * successive processes, like a consumer group's offsets). It keeps to the real worker's rules: a
 * suspect past CUTFLOW_WORKER_CRASH_RETRIES is failed without being run, one under it runs alone. A
 * record in FAKE_POISON kills the process (SIGKILL) when run. For the test it appends to
 * FAKE_STATE: {@code batches.log} ("worker offsets" per batch run), {@code failed.log} ("worker
 * offset" per record failed as worker_crashed) and {@code suspects-<worker>.log} (the SUSPECT lines
 * it was sent).
 */
final class PoisonScript {
  private static final int PARTITION = 0;

  private final String workerId;
  private final int records;
  private final int batch;
  private final int retries;
  private final long perRecord;
  private final Set<Long> poison;
  private final Path state;
  private final Map<Long, ControlMessage.Suspect> suspects = new ConcurrentHashMap<>();

  PoisonScript(String workerId) {
    Map<String, String> env = System.getenv();
    this.workerId = workerId;
    this.records = Integer.parseInt(env.getOrDefault("FAKE_RECORDS", "0"));
    this.batch = Integer.parseInt(env.getOrDefault("FAKE_BATCH", "3"));
    this.retries = Integer.parseInt(env.getOrDefault("CUTFLOW_WORKER_CRASH_RETRIES", "2"));
    this.perRecord = Long.parseLong(env.getOrDefault("FAKE_RECORD_MS", "20"));
    this.poison =
        Stream.of(env.getOrDefault("FAKE_POISON", "").split(","))
            .filter(x -> !x.isBlank())
            .map(Long::valueOf)
            .collect(Collectors.toSet());
    this.state = records > 0 ? Path.of(env.get("FAKE_STATE")) : null;
  }

  boolean enabled() {
    return records > 0;
  }

  /** A SUSPECT line from the supervisor (control reader thread). */
  void suspect(ControlMessage.Suspect s, String line) {
    if (s.crashes() <= 0) {
      suspects.remove(s.offset());
    } else {
      suspects.put(s.offset(), s);
    }
    if (enabled()) {
      append("suspects-" + workerId + ".log", line);
    }
  }

  /** Works through the partition until stopped; returns the records finished. */
  int run(AtomicBoolean stop) throws Exception {
    long next = committed();
    int finished = 0;
    while (!stop.get()) {
      if (next >= records) {
        Thread.sleep(50);
        continue;
      }
      ControlMessage.Suspect s = suspects.get(next);
      if (s != null && s.crashes() > retries) {
        say(new ControlMessage.Taken(PARTITION, next));
        append("failed.log", workerId + " " + next);
        say(new ControlMessage.Done(PARTITION, next));
        say(new ControlMessage.Finished(++finished));
        commit(++next);
        continue;
      }
      List<Long> taken = new ArrayList<>();
      taken.add(next);
      for (long o = next + 1; s == null && o < records && taken.size() < batch; o++) {
        if (suspects.containsKey(o)) {
          break; // a suspect runs alone: not in this batch
        }
        taken.add(o);
      }
      append(
          "batches.log",
          workerId + " " + taken.stream().map(String::valueOf).collect(Collectors.joining(",")));
      for (long o : taken) {
        say(new ControlMessage.Taken(PARTITION, o));
      }
      for (long o : taken) {
        Thread.sleep(perRecord);
        if (poison.contains(o)) {
          die(o);
        }
        say(new ControlMessage.Done(PARTITION, o));
        say(new ControlMessage.Finished(++finished));
        commit(o + 1);
      }
      next = taken.get(taken.size() - 1) + 1;
    }
    return finished;
  }

  private static void die(long offset) throws Exception {
    System.err.println("fake worker dying on record " + PARTITION + "@" + offset);
    System.err.flush();
    String pid = Long.toString(ProcessHandle.current().pid());
    new ProcessBuilder("kill", "-KILL", pid)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
    Thread.sleep(60_000); // the signal ends it
  }

  private long committed() throws IOException {
    Path f = state.resolve("committed");
    return Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) : 0;
  }

  private void commit(long offset) throws IOException {
    Files.writeString(state.resolve("committed"), Long.toString(offset));
  }

  private void append(String file, String line) {
    try {
      Files.writeString(
          state.resolve(file), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void say(ControlMessage m) {
    System.out.println(m.encode());
    System.out.flush();
  }
}
