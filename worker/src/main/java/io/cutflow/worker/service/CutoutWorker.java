package io.cutflow.worker.service;

import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.supervisor.ControlMessage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
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
 * thread pauses its partitions beyond that) and at most {@code queueCapacity} decoded images wait
 * for the model, each in one of a fixed set of reusable input buffers — so memory does not grow
 * with the backlog, and the model never waits for I/O while work is queued.
 *
 * <p>The stages are {@link FetchStage}, {@link InferenceStage} and {@link FinishStage}; failures
 * become results in {@link JobFailures}, and {@link ResultPublisher} reports a job done once Kafka
 * has acknowledged it. This class is the poll thread: dispatch, back-pressure, and when to commit;
 * {@link OffsetCommits} makes the commits and the final drain.
 *
 * <p>At least once: an offset is committed only when the result (and dead letter, if any) of that
 * record and of every record before it on its partition has been acknowledged by Kafka.
 *
 * <p>Poison records: each record is reported taken and done ({@link WorkerMetrics.Listener}), so
 * that the supervisor can charge a crash of this process to the records it held; the records it
 * names back ({@link SuspectRecords}) run alone — dispatched when nothing else is in flight, and
 * nothing else dispatched until they are done — or, past {@link WorkerSettings#crashRetries()}, are
 * failed as {@code worker_crashed} without being run.
 */
public final class CutoutWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CutoutWorker.class);

  /**
   * How long a poll waits while records are in the pipeline or uncommitted: a finished record's
   * commit, and the resume or dispatch it allows, wait at most this long.
   */
  static final Duration BUSY_POLL = Duration.ofMillis(100);

  /**
   * How long a poll waits with nothing in the pipeline. Records, a rebalance and {@link
   * #requestStop} end a poll at once, so waiting longer costs nothing but saves an idle worker's
   * turns of the loop (at 10 a second they were its largest steady CPU cost).
   */
  static final Duration IDLE_POLL = Duration.ofSeconds(1);

  private final Consumer<String, String> consumer;
  private final Topics topics;
  private final WorkerSettings settings;
  private final WorkerMetrics metrics;
  private final JobCodec codec;
  private final JobFailures failures;

  private final OffsetTracker tracker = new OffsetTracker();
  private final OffsetCommits commits;
  private final SuspectRecords suspects = new SuspectRecords();
  // polled, not yet dispatched (a suspect waits here for the pipeline to empty); poll thread only
  private final ArrayDeque<ConsumerRecord<String, String>> waiting = new ArrayDeque<>();
  // the suspect running alone, until its result is published
  private final AtomicReference<InFlightJob> alone = new AtomicReference<>();
  private final FetchStage fetch;
  private final InferenceStage inference;
  private final FinishStage finish;
  private final RebalanceHandler rebalance;
  private final StallDetector stall;
  private final StoreOutage storeOutage;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicReference<ExitReason> exitReason = new AtomicReference<>();
  private final AtomicInteger dispatched = new AtomicInteger();
  private final AtomicInteger finished = new AtomicInteger();
  private volatile boolean subscribed;
  private volatile boolean paused;

  /**
   * run() has returned: what the listener sees now is our own consumer closing, not a rebalance.
   */
  private volatile boolean ended;

  public CutoutWorker(
      Consumer<String, String> consumer,
      Producer<String, String> producer,
      ObjectStore store,
      BackgroundRemover remover,
      InferenceSession session,
      String loadedModel,
      JobCodec codec,
      Topics topics,
      String cutoutsBucket,
      long maxImageBytes,
      WorkerSettings settings,
      WorkerMetrics metrics) {
    this.consumer = consumer;
    this.topics = topics;
    this.settings = settings;
    this.metrics = metrics;
    this.codec = codec;
    this.commits = new OffsetCommits(consumer, tracker, metrics, settings.workerId());
    ResultPublisher publisher =
        new ResultPublisher(
            producer, topics, codec, this::onPublished, () -> requestStop(ExitReason.FATAL));
    this.failures = new JobFailures(publisher, loadedModel, settings.workerId());
    this.stall = new StallDetector(settings.stallTimeout(), tracker::inFlight, System::nanoTime);
    this.storeOutage = StoreOutage.probing(store, cutoutsBucket);
    // One buffer per queued image, one in the model, one being filled by each fetch thread.
    InputBuffers buffers =
        new InputBuffers(session, settings.queueCapacity() + 1 + settings.ioThreads());
    this.finish =
        new FinishStage(
            settings.ioThreads(),
            remover,
            store,
            storeOutage,
            cutoutsBucket,
            loadedModel,
            settings.workerId(),
            publisher,
            failures,
            metrics,
            stall);
    this.inference =
        new InferenceStage(
            settings.queueCapacity(), remover, buffers, finish, failures, metrics, stall);
    this.fetch =
        new FetchStage(
            settings.ioThreads(),
            codec,
            store,
            storeOutage,
            maxImageBytes,
            remover,
            loadedModel,
            buffers,
            inference,
            failures,
            metrics,
            stall);
    this.rebalance =
        new RebalanceHandler(
            consumer,
            tracker,
            metrics,
            settings.workerId(),
            () -> paused,
            () -> ended,
            this::release);
    metrics.gauges(inference::queued, tracker::inFlight);
    metrics.dependencyWaiting("object_store", storeOutage::waiting);
  }

  /**
   * True once the group has given this worker its partitions (the model was loaded and warmed
   * before it joined), until it starts stopping.
   */
  public boolean isReady() {
    return subscribed && rebalance.assigned() && !stopping.get();
  }

  /**
   * Why {@code /readyz} should fail now, or null when this worker is ready: it has its partitions,
   * is not stopping, and is making progress (see {@link StallDetector}).
   */
  public String notReadyReason() {
    if (stopping.get()) {
      return "stopping";
    }
    if (!isReady()) {
      return "waiting for partitions from the consumer group";
    }
    String outage = storeOutage.reason();
    return outage != null ? outage : stall.stalledReason();
  }

  public int finishedCount() {
    return finished.get();
  }

  /** What the supervisor has said about records that were in flight at worker crashes. */
  SuspectRecords suspects() {
    return suspects;
  }

  /** Asks the run loop to stop taking records, drain what it has and return. Thread-safe. */
  public void requestStop(ExitReason reason) {
    if (exitReason.compareAndSet(null, reason)) {
      log.atInfo()
          .setMessage("worker stopping")
          .addKeyValue("worker", settings.workerId())
          .addKeyValue("reason", reason)
          .addKeyValue("finished", finished.get())
          .log();
    }
    stopping.set(true);
    consumer.wakeup();
  }

  /** Runs until stopped or recycled; returns why it ended. Call once, from one thread. */
  public ExitReason run() {
    inference.start();
    consumer.subscribe(List.of(topics.jobs()), rebalance);
    subscribed = true;
    log.atInfo()
        .setMessage("worker consuming")
        .addKeyValue("worker", settings.workerId())
        .addKeyValue("topic", topics.jobs())
        .addKeyValue("group_instance_id", settings.groupInstanceId())
        .addKeyValue("recycle_after", settings.recycleAfter())
        .log();
    try {
      while (!stopping.get()) {
        ConsumerRecords<String, String> records;
        try {
          records = consumer.poll(idle() ? IDLE_POLL : BUSY_POLL);
        } catch (WakeupException e) {
          continue;
        }
        for (ConsumerRecord<String, String> record : records) {
          waiting.add(record);
        }
        // What is left waiting at a stop is not tracked, not committed: the next owner gets it.
        dispatchWaiting();
        applyBackpressure();
        commits.commitFinished();
        metrics.updateLag(consumer);
      }
      commits.drain(Duration.ofSeconds(60), finished::get);
    } finally {
      shutdownPipeline();
      ended = true;
    }
    return exitReason.get() == null ? ExitReason.STOPPED : exitReason.get();
  }

  /** Nothing polled waits, nothing is in flight or uncommitted, and no partition is paused. */
  private boolean idle() {
    return waiting.isEmpty() && !paused && !tracker.uncommitted();
  }

  /**
   * Hands the waiting records to the pipeline in order, unless a suspect runs alone. A suspect
   * under the bound waits until nothing else is in flight, so that a crash it causes again is
   * charged to it only — and records that merely were in flight beside it at a crash each run alone
   * once and are cleared.
   */
  private void dispatchWaiting() {
    while (!waiting.isEmpty() && !stopping.get() && alone.get() == null) {
      ConsumerRecord<String, String> record = waiting.peek();
      ControlMessage.Suspect suspect =
          suspects.of(record.partition(), record.offset()).orElse(null);
      if (suspect == null) {
        fetch.submit(take(waiting.poll()));
      } else if (suspect.crashes() > settings.crashRetries()) {
        failures.workerCrashed(take(waiting.poll()), suspect, settings.crashRetries(), codec);
      } else if (tracker.inFlight() > 0) {
        return; // the suspect waits for the pipeline to empty
      } else {
        InFlightJob job = take(waiting.poll());
        alone.set(job);
        SuspectRecords.logRunningAlone(record, suspect, settings.crashRetries());
        fetch.submit(job);
      }
    }
  }

  /** Tracks {@code record} and reports it taken (a crash from now on is charged to it, too). */
  private InFlightJob take(ConsumerRecord<String, String> record) {
    InFlightJob job = new InFlightJob(record);
    metrics.received();
    tracker.track(job.tp, record.offset());
    metrics.taken(job.tp, record.offset());
    int n = dispatched.incrementAndGet();
    if (settings.recycleAfter() > 0 && n >= settings.recycleAfter()) {
      requestStop(ExitReason.RECYCLE_COUNT);
    }
    return job;
  }

  /** Partitions revoked or lost: their polled, undispatched records go to the next owner. */
  private void release(Collection<TopicPartition> partitions) {
    waiting.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
  }

  private void applyBackpressure() {
    // Nothing more is fetched while polled records wait (behind a suspect that runs alone).
    boolean full = tracker.inFlight() >= settings.maxInFlight() || !waiting.isEmpty();
    if (full && !paused) {
      consumer.pause(consumer.assignment());
      paused = true;
    } else if (!full && paused) {
      consumer.resume(consumer.paused());
      paused = false;
    }
  }

  private void shutdownPipeline() {
    inference.close();
    fetch.shutdownNow();
    inference.interrupt();
    finish.shutdown();
  }

  /** A job's own CPU-bound stages but the model: decode, pre- and post-processing, encode. */
  private static long imageMillis(JobResult.Timings t) {
    return t.decode() + t.preprocess() + t.postprocess() + t.matting() + t.encode();
  }

  /** All sends for {@code job} are acknowledged: its offset may be committed. */
  private void onPublished(InFlightJob job, JobResult result) {
    metrics.done(job.tp, job.record.offset()); // before the next record can be taken
    alone.compareAndSet(job, null);
    tracker.complete(job.tp, job.record.offset());
    int n = finished.incrementAndGet();
    metrics.finished(result, n);
    log.atInfo()
        .setMessage(result.isOk() ? "job done" : "job failed, result published")
        .addKeyValue("job", result.jobId())
        .addKeyValue("status", result.status().wire())
        .addKeyValue("partition", job.tp.partition())
        .addKeyValue("offset", job.record.offset())
        .addKeyValue("total_ms", result.timingsMs().total())
        .addKeyValue("inference_ms", result.timingsMs().inference())
        .addKeyValue("image_ms", imageMillis(result.timingsMs()))
        .log();
    if (settings.maxRssMb() > 0 && n % 5 == 0) {
      long rss = ResidentMemory.current();
      if (rss > settings.maxRssMb() * 1024 * 1024) {
        requestStop(ExitReason.RECYCLE_RSS);
      }
    }
  }

  @Override
  public void close() {
    shutdownPipeline();
  }

  /** The failure message of a record that is not a valid job (the result's and dead letter's). */
  public static String invalidJobMessage(String recordName, InvalidJobException e) {
    return recordName + ": " + e.getMessage();
  }
}
