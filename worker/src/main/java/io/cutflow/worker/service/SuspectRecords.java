package io.cutflow.worker.service;

import io.cutflow.worker.supervisor.ControlMessage;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of the jobs topic that the supervisor named as in flight when a worker crashed
 * ({@code SUSPECT} lines), by partition and offset: the control reader writes, the poll thread
 * reads. {@link CutoutWorker} runs a suspect alone, or fails it once it has crashed more workers
 * than {@link WorkerSettings#crashRetries()}.
 */
final class SuspectRecords {
  // The worker's logger, so log lines and logger settings stay as they were.
  private static final Logger log = LoggerFactory.getLogger(CutoutWorker.class);

  private record Position(int partition, long offset) {}

  private final Map<Position, ControlMessage.Suspect> byPosition = new ConcurrentHashMap<>();

  /** Records (or, with 0 crashes, clears) what the supervisor said. */
  void apply(ControlMessage.Suspect suspect) {
    Position p = new Position(suspect.partition(), suspect.offset());
    if (suspect.crashes() <= 0) {
      byPosition.remove(p);
    } else {
      byPosition.put(p, suspect);
    }
  }

  Optional<ControlMessage.Suspect> of(int partition, long offset) {
    return byPosition.isEmpty()
        ? Optional.empty()
        : Optional.ofNullable(byPosition.get(new Position(partition, offset)));
  }

  int size() {
    return byPosition.size();
  }

  /** The operator's line when a suspect runs alone. */
  static void logRunningAlone(
      ConsumerRecord<String, String> record, ControlMessage.Suspect suspect, int crashRetries) {
    log.atWarn()
        .setMessage("running a record alone: it was in flight when a worker crashed")
        .addKeyValue("partition", record.partition())
        .addKeyValue("offset", record.offset())
        .addKeyValue("crashes", suspect.crashes())
        .addKeyValue("crash_retries", crashRetries)
        .addKeyValue("last_crash", suspect.reason())
        .log();
  }
}
