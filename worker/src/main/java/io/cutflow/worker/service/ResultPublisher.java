package io.cutflow.worker.service;

import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a job's result (and dead letter, if any) and reports the job done only once Kafka has
 * acknowledged every send for it: that acknowledgement is what lets its offset be committed.
 */
final class ResultPublisher {
  // The worker's logger, so log lines and logger settings stay as they were before the split.
  private static final Logger log = LoggerFactory.getLogger(CutoutWorker.class);

  private final Producer<String, String> producer;
  private final Topics topics;
  private final JobCodec codec;
  private final BiConsumer<InFlightJob, JobResult> acknowledged;
  private final Runnable sendFailed;

  /**
   * @param acknowledged called once per job, when all its sends are acknowledged
   * @param sendFailed called once per job whose send failed: the worker must stop, so that the
   *     uncommitted record is redelivered
   */
  ResultPublisher(
      Producer<String, String> producer,
      Topics topics,
      JobCodec codec,
      BiConsumer<InFlightJob, JobResult> acknowledged,
      Runnable sendFailed) {
    this.producer = producer;
    this.topics = topics;
    this.codec = codec;
    this.acknowledged = acknowledged;
    this.sendFailed = sendFailed;
  }

  void publish(InFlightJob job, JobResult result, DeadLetter deadLetter) {
    int sends = deadLetter == null ? 1 : 2;
    AtomicInteger acked = new AtomicInteger();
    AtomicBoolean failed = new AtomicBoolean();
    Callback callback =
        (md, error) -> {
          if (error != null) {
            if (failed.compareAndSet(false, true)) {
              log.atError()
                  .setMessage("could not publish result; stopping so the record is redelivered")
                  .addKeyValue("job", result.jobId())
                  .addKeyValue("error", error.toString())
                  .log();
              sendFailed.run();
            }
            return;
          }
          if (acked.incrementAndGet() == sends) {
            acknowledged.accept(job, result);
          }
        };
    String key = result.jobId();
    if (deadLetter != null) {
      producer.send(
          new ProducerRecord<>(topics.deadLetters(), key, codec.encode(deadLetter)), callback);
    }
    producer.send(new ProducerRecord<>(topics.results(), key, codec.encode(result)), callback);
  }
}
