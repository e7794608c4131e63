package io.cutflow.worker.service;

import ai.onnxruntime.OrtException;
import io.cutflow.common.image.InvalidImageException;
import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.common.store.ObjectStoreException;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.CutoutOptions;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.StageTimings;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's run loop: poll jobs, push each through three overlapping stages, publish results,
 * commit what is done.
 *
 * <pre>
 *  poll thread ──► fetch pool (download, decode, pre-process) ──► [queue] ──► inference thread
 *       ▲                                                                            │
 *       └── commit ◄── OffsetTracker ◄── result acked ◄── finish pool (post-process, encode, upload, publish)
 * </pre>
 *
 * <p>Bounded: at most {@link WorkerSettings#maxInFlight()} records are in the pipeline (the poll
 * thread pauses its partitions beyond that) and at most {@code queueCapacity} decoded images wait for
 * the model, each in one of a fixed set of reusable input buffers — so memory does not grow with the
 * backlog, and the model never waits for I/O while work is queued.
 *
 * <p>At least once: an offset is committed only when the result (and dead letter, if any) of that
 * record and of every record before it on its partition has been acknowledged by Kafka.
 */
public final class CutoutWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CutoutWorker.class);

  private final Consumer<String, String> consumer;
  private final Producer<String, String> producer;
  private final ObjectStore store;
  private final BackgroundRemover remover;
  private final String loadedModel;
  private final JobCodec codec;
  private final Topics topics;
  private final String cutoutsBucket;
  private final long maxImageBytes;
  private final WorkerSettings settings;
  private final WorkerMetrics metrics;

  /** How long a revocation waits for the revoked partitions' in-flight records (well under max.poll.interval.ms). */
  private static final Duration REVOKE_DRAIN = Duration.ofSeconds(30);

  private final OffsetTracker tracker = new OffsetTracker();
  private final BlockingQueue<Job> inferenceQueue;
  private final BlockingQueue<FloatBuffer> inputBuffers;
  private final ExecutorService fetchPool;
  private final ExecutorService finishPool;
  private final Thread inferenceThread;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicReference<ExitReason> exitReason = new AtomicReference<>();
  private final AtomicInteger dispatched = new AtomicInteger();
  private final AtomicInteger finished = new AtomicInteger();
  private volatile boolean pipelineOpen = true;
  private volatile boolean subscribed;
  private volatile boolean assigned;
  private volatile boolean paused;
  /** run() has returned: what the listener sees now is our own consumer closing, not a rebalance. */
  private volatile boolean ended;

  /** One record on its way through the stages. */
  private static final class Job {
    final ConsumerRecord<String, String> record;
    final TopicPartition tp;
    final Instant startedAt = Instant.now();
    final long startNanos = System.nanoTime();
    JobRequest request;
    long downloadMs;
    long uploadMs;
    BackgroundRemover.Prepared prepared;
    BackgroundRemover.Inferred inferred;

    Job(ConsumerRecord<String, String> record) {
      this.record = record;
      this.tp = new TopicPartition(record.topic(), record.partition());
    }

    String name() {
      return request != null ? request.source().bucket() + "/" + request.source().key()
          : record.topic() + "-" + record.partition() + "@" + record.offset();
    }
  }

  public CutoutWorker(Consumer<String, String> consumer, Producer<String, String> producer, ObjectStore store,
                      BackgroundRemover remover, InferenceSession session, String loadedModel, JobCodec codec,
                      Topics topics, String cutoutsBucket, long maxImageBytes, WorkerSettings settings,
                      WorkerMetrics metrics) {
    this.consumer = consumer;
    this.producer = producer;
    this.store = store;
    this.remover = remover;
    this.loadedModel = loadedModel;
    this.codec = codec;
    this.topics = topics;
    this.cutoutsBucket = cutoutsBucket;
    this.maxImageBytes = maxImageBytes;
    this.settings = settings;
    this.metrics = metrics;
    this.inferenceQueue = new ArrayBlockingQueue<>(settings.queueCapacity());
    // One buffer per queued image, one in the model, one being filled by each fetch thread.
    int buffers = settings.queueCapacity() + 1 + settings.ioThreads();
    this.inputBuffers = new LinkedBlockingQueue<>();
    for (int i = 0; i < buffers; i++) {
      inputBuffers.add(session.newInputBuffer());
    }
    this.fetchPool = Executors.newFixedThreadPool(settings.ioThreads(), named("fetch"));
    this.finishPool = Executors.newFixedThreadPool(settings.ioThreads(), named("finish"));
    this.inferenceThread = new Thread(this::inferenceLoop, "inference");
    metrics.gauges(inferenceQueue::size, tracker::inFlight);
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * True once the group has given this worker its partitions (the model was loaded and warmed
   * before it joined), until it starts stopping.
   */
  public boolean isReady() {
    return subscribed && assigned && !stopping.get();
  }

  public int finishedCount() {
    return finished.get();
  }

  /** Asks the run loop to stop taking records, drain what it has and return. Thread-safe. */
  public void requestStop(ExitReason reason) {
    if (exitReason.compareAndSet(null, reason)) {
      log.atInfo().setMessage("worker stopping").addKeyValue("worker", settings.workerId())
          .addKeyValue("reason", reason).addKeyValue("finished", finished.get()).log();
    }
    stopping.set(true);
    consumer.wakeup();
  }

  /**
   * Connects before joining: fetches the jobs topic's metadata, finds the group coordinator and
   * reads the group's committed offsets — without joining the group, so a warm standby can do it
   * while its predecessor still owns the partitions — and, with {@code reader} (a consumer of no
   * group), reads the newest record of each partition once, so the fetch path's code is loaded
   * too. After GO the join then runs on open connections and loaded code: in a fresh JVM the first
   * poll otherwise spends hundreds of milliseconds on class loading and lookups, all of it inside
   * the handover gap. Best effort; nothing is committed or processed.
   */
  public void connect(Consumer<String, String> reader, Duration timeout) {
    long t0 = System.nanoTime();
    try {
      List<TopicPartition> partitions = consumer.partitionsFor(topics.jobs(), timeout).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.committed(java.util.Set.copyOf(partitions), timeout);
      int read = 0;
      if (reader != null) {
        reader.assign(partitions);
        Map<TopicPartition, Long> ends = reader.endOffsets(partitions, timeout);
        ends.forEach((tp, end) -> reader.seek(tp, Math.max(0, end - 1)));
        if (ends.values().stream().anyMatch(end -> end > 0)) {
          long deadline = System.nanoTime() + timeout.toNanos();
          while (read == 0 && System.nanoTime() < deadline) {
            read = reader.poll(Duration.ofMillis(100)).count();
          }
        }
      }
      log.atInfo().setMessage("consumer connected").addKeyValue("worker", settings.workerId())
          .addKeyValue("partitions", partitions.size()).addKeyValue("records_read", read)
          .addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000).log();
    } catch (RuntimeException e) {
      log.atWarn().setMessage("could not connect ahead of joining; the join will do it")
          .addKeyValue("worker", settings.workerId()).addKeyValue("error", e.toString()).log();
    }
  }

  /** Runs until stopped or recycled; returns why it ended. Call once, from one thread. */
  public ExitReason run() {
    inferenceThread.start();
    consumer.subscribe(List.of(topics.jobs()), new Rebalance());
    subscribed = true;
    log.atInfo().setMessage("worker consuming").addKeyValue("worker", settings.workerId())
        .addKeyValue("topic", topics.jobs()).addKeyValue("group_instance_id", settings.groupInstanceId())
        .addKeyValue("recycle_after", settings.recycleAfter()).log();
    try {
      while (!stopping.get()) {
        ConsumerRecords<String, String> records;
        try {
          records = consumer.poll(Duration.ofMillis(100));
        } catch (WakeupException e) {
          continue;
        }
        for (ConsumerRecord<String, String> record : records) {
          if (stopping.get()) {
            break; // not tracked, not committed: the next owner of the partition gets it
          }
          dispatch(record);
        }
        applyBackpressure();
        commitAsync();
        metrics.updateLag(consumer);
      }
      drain(Duration.ofSeconds(60));
    } finally {
      shutdownPipeline();
      ended = true;
    }
    return exitReason.get() == null ? ExitReason.STOPPED : exitReason.get();
  }

  private void dispatch(ConsumerRecord<String, String> record) {
    Job job = new Job(record);
    metrics.received();
    tracker.track(job.tp, record.offset());
    int n = dispatched.incrementAndGet();
    fetchPool.execute(() -> fetch(job));
    if (settings.recycleAfter() > 0 && n >= settings.recycleAfter()) {
      requestStop(ExitReason.RECYCLE_COUNT);
    }
  }

  private void applyBackpressure() {
    boolean full = tracker.inFlight() >= settings.maxInFlight();
    if (full && !paused) {
      consumer.pause(consumer.assignment());
      paused = true;
    } else if (!full && paused) {
      consumer.resume(consumer.paused());
      paused = false;
    }
  }

  private void commitAsync() {
    Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable();
    if (!offsets.isEmpty()) {
      consumer.commitAsync(offsets, (committed, error) -> {
        if (error != null) {
          log.atWarn().setMessage("offset commit failed; will retry with the next one")
              .addKeyValue("offsets", committed).addKeyValue("error", error.toString()).log();
        }
      });
    }
  }

  /** Waits for in-flight records to finish, then commits synchronously. */
  private void drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (tracker.inFlight() > 0 && System.nanoTime() < deadline) {
        // Keep the consumer's group membership alive and flush async commits while we wait.
        consumer.pause(consumer.assignment());
        try {
          consumer.poll(Duration.ofMillis(50));
        } catch (WakeupException ignored) {
          // requestStop may wake us again; keep draining
        }
        commitAsync();
      }
      if (tracker.inFlight() > 0) {
        log.atWarn().setMessage("drain timed out; unfinished records will be redelivered")
            .addKeyValue("in_flight", tracker.inFlight()).log();
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable();
      if (!offsets.isEmpty()) {
        consumer.commitSync(offsets);
      }
      metrics.lastCommit(System.currentTimeMillis());
      log.atInfo().setMessage("worker drained and committed").addKeyValue("worker", settings.workerId())
          .addKeyValue("finished", finished.get()).addKeyValue("offsets", offsets).log();
    } catch (RuntimeException e) {
      log.atWarn().setMessage("final commit failed; uncommitted records will be redelivered")
          .addKeyValue("error", e.toString()).log();
    }
  }

  private void shutdownPipeline() {
    pipelineOpen = false;
    fetchPool.shutdownNow();
    inferenceThread.interrupt();
    finishPool.shutdown();
    try {
      finishPool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- stage 1: download, decode, pre-process (fetch pool) ----

  private void fetch(Job job) {
    try {
      try {
        job.request = codec.decodeRequest(job.record.value());
      } catch (InvalidJobException e) {
        fail(job, e.failureCode(), job.name() + ": " + e.getMessage());
        return;
      }
      String wanted = job.request.options().model();
      if (wanted != null && !wanted.isBlank() && !wanted.equals(loadedModel)) {
        fail(job, FailureCode.MODEL_UNAVAILABLE, "job asks for model '" + wanted + "' but this worker serves '"
            + loadedModel + "'; run workers of that model or leave options.model empty");
        return;
      }
      CutoutOptions options = toOptions(job.request.options());
      long t0 = System.nanoTime();
      byte[] data;
      try {
        data = store.get(job.request.source().bucket(), job.request.source().key(), maxImageBytes);
      } catch (ObjectStoreException e) {
        fail(job, e.failureCode(), job.name() + ": " + e.getMessage());
        return;
      }
      job.downloadMs = (System.nanoTime() - t0) / 1_000_000;
      metrics.stage("download", job.downloadMs);
      FloatBuffer buffer = inputBuffers.take();
      try {
        job.prepared = remover.prepare(data, job.name(), options, buffer);
      } catch (InvalidImageException e) {
        inputBuffers.add(buffer);
        fail(job, failureCodeOf(e), e.getMessage());
        return;
      } catch (RuntimeException e) {
        inputBuffers.add(buffer);
        throw e;
      }
      inferenceQueue.put(job);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // shutting down: the record stays uncommitted
    } catch (RuntimeException e) {
      log.atError().setMessage("unexpected error fetching job").addKeyValue("job", job.name()).setCause(e).log();
      fail(job, FailureCode.INTERNAL_ERROR, job.name() + ": " + e);
    }
  }

  static CutoutOptions toOptions(JobRequest.Options o) {
    int[] bg = null;
    if (o.bgcolor() != null) {
      bg = o.bgcolor().stream().mapToInt(Integer::intValue).toArray();
    }
    return new CutoutOptions(o.onlyMask(), o.postProcessMask(), bg);
  }

  static FailureCode failureCodeOf(InvalidImageException e) {
    return switch (e.reason()) {
      case EMPTY -> FailureCode.IMAGE_EMPTY;
      case NOT_AN_IMAGE -> FailureCode.NOT_AN_IMAGE;
      case UNSUPPORTED_FORMAT -> FailureCode.UNSUPPORTED_FORMAT;
      case TRUNCATED -> FailureCode.IMAGE_TRUNCATED;
      case TOO_LARGE -> FailureCode.IMAGE_TOO_LARGE;
      case CORRUPT -> FailureCode.IMAGE_CORRUPT;
    };
  }

  // ---- stage 2: the model (one thread) ----

  private void inferenceLoop() {
    while (pipelineOpen || !inferenceQueue.isEmpty()) {
      Job job;
      try {
        job = inferenceQueue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (job == null) {
        continue;
      }
      FloatBuffer buffer = job.prepared.input();
      try {
        job.inferred = remover.infer(job.prepared);
      } catch (OrtException | RuntimeException e) {
        log.atError().setMessage("inference failed").addKeyValue("job", job.name()).setCause(e).log();
        fail(job, FailureCode.INFERENCE_FAILED, job.name() + ": " + e);
        continue;
      } finally {
        inputBuffers.add(buffer);
      }
      metrics.stage(StageTimings.INFERENCE, job.prepared.timings().get(StageTimings.INFERENCE));
      finishPool.execute(() -> finish(job));
    }
  }

  // ---- stage 3: post-process, encode, upload, publish (finish pool) ----

  private void finish(Job job) {
    try {
      BackgroundRemover.Cutout cutout = remover.finish(job.inferred);
      job.inferred = null;
      JobRequest.Output out = job.request.resolvedOutput(cutoutsBucket);
      long t0 = System.nanoTime();
      try {
        store.put(out.bucket(), out.key(), cutout.png(), "image/png",
            Map.of("cutflow-job-id", job.request.jobId(), "cutflow-model", loadedModel));
      } catch (ObjectStoreException e) {
        fail(job, FailureCode.STORAGE_FAILED, job.name() + ": writing " + out.bucket() + "/" + out.key()
            + " failed: " + e.getMessage());
        return;
      }
      job.uploadMs = (System.nanoTime() - t0) / 1_000_000;
      StageTimings t = cutout.timings();
      for (String stage : List.of(StageTimings.DECODE, StageTimings.PREPROCESS, StageTimings.POSTPROCESS,
          StageTimings.ENCODE)) {
        metrics.stage(stage, t.get(stage));
      }
      metrics.stage("upload", job.uploadMs);
      JobResult result = JobResult.ok(job.request,
          new JobResult.StoredObject(out.bucket(), out.key(), cutout.png().length),
          new JobResult.Image(cutout.width(), cutout.height()), loadedModel, settings.workerId(), null,
          timings(job, t), job.startedAt, Instant.now());
      publish(job, result, null);
    } catch (RuntimeException e) {
      log.atError().setMessage("unexpected error finishing job").addKeyValue("job", job.name()).setCause(e).log();
      fail(job, FailureCode.INTERNAL_ERROR, job.name() + ": " + e);
    }
  }

  private JobResult.Timings timings(Job job, StageTimings t) {
    long total = (System.nanoTime() - job.startNanos) / 1_000_000;
    return new JobResult.Timings(job.downloadMs, Math.round(t.get(StageTimings.DECODE)),
        Math.round(t.get(StageTimings.PREPROCESS)), Math.round(t.get(StageTimings.INFERENCE)),
        Math.round(t.get(StageTimings.POSTPROCESS)), Math.round(t.get(StageTimings.ENCODE)), job.uploadMs, total);
  }

  /** A failed result for {@code job}; every failure also goes to the dead-letter topic for replay. */
  private void fail(Job job, FailureCode code, String message) {
    JobRequest request = job.request;
    if (request == null) {
      // Unparseable record: the result still carries an id so the producer can correlate it.
      String id = job.record.key() != null ? job.record.key()
          : job.record.topic() + "-" + job.record.partition() + "-" + job.record.offset();
      request = JobRequest.of(id, JobRequest.Source.of("unknown", "unknown"), null);
    }
    StageTimings t = job.prepared != null ? job.prepared.timings() : new StageTimings();
    JobResult result = JobResult.failed(request, code, message, null, loadedModel, settings.workerId(), null,
        timings(job, t), job.startedAt, Instant.now());
    DeadLetter dl = DeadLetter.of(job.record.value(), job.record.key(), job.record.topic(), job.record.partition(),
        job.record.offset(), request.jobId(), code, message, settings.workerId(), Instant.now());
    log.atWarn().setMessage("job failed").addKeyValue("job", request.jobId()).addKeyValue("input", job.name())
        .addKeyValue("code", code.code()).addKeyValue("reason", message).log();
    publish(job, result, dl);
  }

  private void publish(Job job, JobResult result, DeadLetter deadLetter) {
    int sends = deadLetter == null ? 1 : 2;
    AtomicInteger acked = new AtomicInteger();
    AtomicBoolean failed = new AtomicBoolean();
    org.apache.kafka.clients.producer.Callback callback = (md, error) -> {
      if (error != null) {
        if (failed.compareAndSet(false, true)) {
          log.atError().setMessage("could not publish result; stopping so the record is redelivered")
              .addKeyValue("job", result.jobId()).addKeyValue("error", error.toString()).log();
          requestStop(ExitReason.FATAL);
        }
        return;
      }
      if (acked.incrementAndGet() == sends) {
        onPublished(job, result);
      }
    };
    String key = result.jobId();
    if (deadLetter != null) {
      producer.send(new ProducerRecord<>(topics.deadLetters(), key, codec.encode(deadLetter)), callback);
    }
    producer.send(new ProducerRecord<>(topics.results(), key, codec.encode(result)), callback);
  }

  private void onPublished(Job job, JobResult result) {
    tracker.complete(job.tp, job.record.offset());
    int n = finished.incrementAndGet();
    metrics.finished(result, n);
    log.atInfo().setMessage(result.isOk() ? "job done" : "job failed, result published")
        .addKeyValue("job", result.jobId()).addKeyValue("status", result.status().wire())
        .addKeyValue("partition", job.tp.partition()).addKeyValue("offset", job.record.offset())
        .addKeyValue("total_ms", result.timingsMs().total()).log();
    if (settings.maxRssMb() > 0 && n % 5 == 0) {
      long rss = ResidentMemory.current();
      if (rss > settings.maxRssMb() * 1024 * 1024) {
        requestStop(ExitReason.RECYCLE_RSS);
      }
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      assigned = true;
      int generation;
      try {
        generation = consumer.groupMetadata().generationId();
      } catch (RuntimeException e) {
        generation = -1;
      }
      // Report the whole assignment (under cooperative rebalancing the callback lists only additions).
      metrics.assigned(java.util.Set.copyOf(consumer.assignment()), generation);
      log.atInfo().setMessage("partitions assigned").addKeyValue("worker", settings.workerId())
          .addKeyValue("partitions", partitions).log();
      if (paused) {
        consumer.pause(partitions);
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Let the revoked partitions' in-flight records finish (bounded), so the new owner doesn't
      // redo them; whatever is still unfinished at the deadline is abandoned and redelivered.
      long deadline = System.nanoTime() + REVOKE_DRAIN.toNanos();
      while (tracker.inFlight(partitions) > 0 && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable(partitions);
      try {
        if (!offsets.isEmpty()) {
          consumer.commitSync(offsets);
        }
      } catch (RuntimeException e) {
        log.atWarn().setMessage("commit on revoke failed").addKeyValue("error", e.toString()).log();
      }
      tracker.forget(partitions);
      if (!ended) { // closing the consumer revokes too; only a rebalance is worth reporting
        metrics.revoked(partitions);
      }
      log.atInfo().setMessage("partitions revoked").addKeyValue("worker", settings.workerId())
          .addKeyValue("partitions", partitions).log();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      tracker.forget(partitions);
      metrics.revoked(partitions);
    }
  }

  @Override
  public void close() {
    shutdownPipeline();
  }
}
