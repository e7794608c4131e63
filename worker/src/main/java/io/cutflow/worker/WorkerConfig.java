package io.cutflow.worker;

import static io.cutflow.common.config.ConfigKey.Type.BOOLEAN;
import static io.cutflow.common.config.ConfigKey.Type.INT;
import static io.cutflow.common.config.ConfigKey.Type.LONG;
import static io.cutflow.common.config.ConfigKey.Type.STRING;

import io.cutflow.common.config.ConfigDef;
import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.ConfigKeys;
import io.cutflow.common.config.Validators;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.service.WorkerSettings;
import java.util.regex.Pattern;

/** Settings of worker processes and their supervisor: model, threads, limits, recycling. */
public final class WorkerConfig implements ConfigKeys {
  public static final ConfigDef DEF = new ConfigDef("worker", 40);

  public static final ConfigKey IMAGE_MAX_PIXELS =
      DEF.define(
          "cutflow.image.max-pixels",
          LONG,
          ImageLimits.DEFAULT_MAX_PIXELS,
          Validators.atLeast(1),
          "Largest image (width x height) a worker decodes; larger ones fail with image_too_large. The default fits the workers' default 1 GiB heap (--worker-heap 1g): a cutout holds at most about 13 bytes of heap per pixel (RGBA image 4, mask 1, PNG output and its copy 8; composed in place), so 50 MP needs about 650 MB, and a 1 GiB heap keeps 672 MiB for images (1024 MiB less 96 for the worker itself, 128 for two downloads of cutflow.image.max-bytes, 128 of collector headroom). Raise it with the heap: 100 MP needs --worker-heap 2g. An image under this limit that still does not fit the heap also fails with image_too_large, before it is decoded. `remove` and `frames` use it too (CUTFLOW_IMAGE_MAX_PIXELS), with the heap in CUTFLOW_JAVA_OPTS (e.g. -Xmx2g).");
  public static final ConfigKey MODEL =
      DEF.define(
          "cutflow.worker.model",
          STRING,
          "",
          Validators.emptyOr(
              Validators.matching(Pattern.compile("[A-Za-z0-9._-]{1,100}"), "a model name")),
          "Model a worker loads and warms at start (a name from models/models.json); empty = the manifest's default. Jobs naming another model fail with model_unavailable.");
  public static final ConfigKey INTRA_OP_THREADS =
      DEF.define(
          "cutflow.worker.intra-op-threads",
          INT,
          0,
          Validators.between(0, 1024),
          "ONNX Runtime intra-op threads per worker process; 0 = number of available cores.");
  public static final ConfigKey ORT_SPINNING =
      DEF.define(
          "cutflow.worker.ort-spinning",
          BOOLEAN,
          false,
          "Let ONNX Runtime's intra-op threads spin between operators. Off by default in workers: the spinning threads compete with decode/encode/upload threads for the same cores.");
  public static final ConfigKey MODEL_REALTIME =
      DEF.define(
          "cutflow.worker.model-realtime",
          BOOLEAN,
          false,
          "Once a worker is active, run its model's threads (the inference thread and ONNX Runtime's intra-op pool) under Linux's SCHED_FIFO real-time policy, so that nothing else holds up the model's operators: ONNX Runtime splits each convolution into one fixed piece per thread, and a piece held off its core holds up the operator. ./cutflow bench on 2 cores: pipeline/raw 0.95-1.01 (6 runs) against 0.85-0.93 without (8 runs; docs/benchmarks.md, \"The model's threads at real-time priority\"). Off by default because of what it costs the rest of the machine: the inference thread spins while it waits for the pool, so while the model runs every other thread (the worker's own, and any other process: a broker, an HTTP server, on one machine) gets only the gaps and the 5 % of each core Linux keeps (kernel.sched_rt_runtime_us), and on 2 cores waited seconds for a core. For a machine that only runs workers. Needs root or CAP_SYS_NICE and util-linux's chrt; without them the worker logs why, once, and runs as before. A warm standby stays at normal priority until it takes over.");
  public static final ConfigKey ORT_MEMORY_PATTERN =
      DEF.define(
          "cutflow.worker.ort-memory-pattern",
          BOOLEAN,
          false,
          "ONNX Runtime's memory-pattern planning. Off by default: on, a session holds its activations twice (ISNet: about 1.7 GB RSS instead of 1.0 GB) and needs two slow warm-up runs instead of one, for no measurable gain in steady state (./cutflow cold-start shows both).");
  public static final ConfigKey FP32_WEIGHTS =
      DEF.define(
          "cutflow.worker.fp32-weights",
          BOOLEAN,
          true,
          "Run a model from a copy of it made once beside the model file (<file>.fp32.onnx, keyed to the file and checked by SHA-256 in <file>.fp32.properties): float16 weights widened to float32 (twice the disk), and only the output the manifest entry reads kept, with the nodes it needs. ONNX Runtime's CPU kernels are float32: on a float16 file it casts around every operator and converts the weights on every run; and it runs every node of a graph whatever outputs are asked for (ISNet's eleven other outputs cost about 3 % of a run). The copy's masks agree with the float16 file's within IoU 0.999 and 0.1/255 mean difference. Off = load the model file as it is.");
  public static final ConfigKey ORT_SAVED_MODEL =
      DEF.define(
          "cutflow.worker.ort-saved-model",
          BOOLEAN,
          true,
          "Load ONNX Runtime's optimised form of the model (ORT format), saved once beside the model file as <file>.opt-<key>.ort, memory-mapped, instead of optimising the graph at every start: a session in tens of milliseconds instead of about half a second, its weights read from the mapped file instead of copied (about 110 MB less resident for ISNet). Keyed to the ONNX Runtime version and this CPU (the optimised graph is CPU-specific) and checked by SHA-256 in <file>.opt-<key>.ort.properties; the outputs are the same. Off, or where the cache is read-only, the graph is optimised at start.");
  public static final ConfigKey ORT_ARENA =
      DEF.define(
          "cutflow.worker.ort-arena",
          BOOLEAN,
          true,
          "ONNX Runtime's CPU memory arena for workers. On (the default), a run's activations stay allocated for the next run: no page faults to pay again, 14-19 % more throughput in ./cutflow bench than with it off, and about 440 MiB more held between runs (in a warm standby too). A large image (one that runs alone, see cutflow.worker.image-overlap-mb) empties the arena as soon as it is admitted (the session is closed and opened again, tens of milliseconds) and runs on a session without it, so that neither its decoding, its run nor its mask, composition and PNG sit on top of a full arena: a worker on 200 24-megapixel images peaked at 918 MiB, on streams of 3 to 12 MP photos at 849-914 MiB (docs/benchmarks.md, \"The arena on by default\"); the next ordinary image fills the arena again. Off, a run allocates its activations and gives them back when it ends (workers keep large blocks mapped on their own, see cutflow.worker.malloc-huge-pages): a process holds about 330 MB after a run instead of 770 (./cutflow cold-start), each run pays the page faults again, and the worker is ready one model run sooner (cutflow.worker.warm-up-model).");
  public static final ConfigKey MALLOC_HUGE_PAGES =
      DEF.define(
          "cutflow.worker.malloc-huge-pages",
          BOOLEAN,
          true,
          "Start worker processes with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (added to any inherited GLIBC_TUNABLES) so that ONNX Runtime's activations get transparent huge pages: a new session's first run takes about 6 thousand page faults instead of 190 thousand. Needs glibc >= 2.35 and THP in madvise or always mode; elsewhere it does nothing. Workers also get glibc.malloc.mmap_threshold=1048576 either way (an inherited value stands): blocks of 1 MiB and more are mapped on their own and given back when freed, where glibc's rising default threshold would keep freed activations in its heap.");
  public static final ConfigKey STANDBY_NICE =
      DEF.define(
          "cutflow.worker.standby-nice",
          INT,
          19,
          Validators.between(0, 19),
          "CPU priority (nice, 0..19) of a standby worker while it loads and warms its model next to a busy active worker; back to 0 once it is ready, or sooner when its predecessor is within a fifth of its quota. Each worker runs in its own session and this is its autogroup's nice, which an unprivileged supervisor can raise and lower again (a process's own nice it could not lower). Needs Linux autogroup (kernel.sched_autogroup_enabled=1) outside a CPU-limited cgroup; elsewhere it does nothing. 0 = off.");
  public static final ConfigKey WARM_UP_RUNS =
      DEF.define(
          "cutflow.worker.warm-up-runs",
          INT,
          2,
          Validators.between(0, 100),
          "Passes a worker makes over a built-in image (decode, resize, the model where cutflow.worker.warm-up-model says so, mask, composition, PNG) before it reports ready, alternating default options and only-mask with post-processing so both output paths are compiled. 0 = none (the first real image pays the cold JVM).");
  public static final ConfigKey WARM_UP_MODEL =
      DEF.define(
          "cutflow.worker.warm-up-model",
          STRING,
          "auto",
          Validators.oneOf("auto", "always", "never"),
          "Whether the warm-up passes run the model. auto: in as many of the first passes as the session has slow first runs: one with cutflow.worker.ort-arena on (the default: run 0 fills the arena, +17 %, ./cutflow cold-start) and for sam, two with cutflow.worker.ort-memory-pattern on, none with both off (run 0 is then within a few per cent of steady, ./cutflow cold-start --no-arena); the other passes give the Java stages a made-up model output, and the worker is ready that many model runs sooner. always: whole cutouts. never: never the model.");
  public static final ConfigKey QUEUE_CAPACITY =
      DEF.define(
          "cutflow.worker.queue-capacity",
          INT,
          4,
          Validators.between(1, 256),
          "Records a worker holds between poll and inference (bounds memory and redelivery on crash).");
  public static final ConfigKey IMAGE_OVERLAP_MB =
      DEF.define(
          "cutflow.worker.image-overlap-mb",
          INT,
          MemoryBudget.DEFAULT_SHARED_LIMIT_MIB,
          Validators.atLeast(0),
          "Heap in MiB that the images a worker has in flight may lease together (about 13 bytes a pixel each, see cutflow.image.max-pixels). An image that would take them past it waits until it is alone (one needing more than this by itself still runs, alone). A large image (over half of it: by default over about 5.7 megapixels; a 24 MP one needs about 300 MiB) so never overlaps another: when it starts alone a full collection first gives the previous one's heap back, and it empties the ONNX Runtime arena and runs without it (cutflow.worker.ort-arena). So a worker peaks under 1 GB on every stream of images measured: 849-918 MiB on 3 to 24 MP photos, where the arena off and 400 MiB here let pairs and triples of 5 to 12 MP photos overlap and reach 965-998 MiB (docs/benchmarks.md, \"The arena on by default\"). The cost: a large image's download and decoding do not overlap the model run before it. Photos up to about 5.7 MP (the bench photos are 0.2-1.6) still overlap. 0 = no bound but the heap's.");
  public static final ConfigKey STALL_TIMEOUT_MS =
      DEF.define(
          "cutflow.worker.stall-timeout-ms",
          INT,
          (int) WorkerSettings.DEFAULT_STALL_TIMEOUT.toMillis(),
          Validators.atLeast(1000),
          "How long a worker may hold records while none of its stages (fetch, inference, finish) completes anything before its /readyz fails with the reason (stalled). Well above the slowest normal stage: a 50 MP image, the largest the default limits admit, spends under 15 s in any one stage on 2 busy cores, and a download may retry for a minute; 120 s leaves room for both on a loaded machine.");
  public static final ConfigKey HTTP_PORT =
      DEF.define(
          "cutflow.worker.http-port",
          INT,
          0,
          Validators.port(),
          "Port of a worker's /healthz, /readyz, /metrics; 0 = ephemeral (several workers share a host).");
  public static final ConfigKey WORKER_PORT_BASE =
      DEF.define(
          "cutflow.supervisor.worker-port-base",
          INT,
          0,
          Validators.port(),
          "First of the fixed ops ports (/healthz, /readyz, /metrics) that the worker supervisor (cutflow worker) gives its worker processes: the pool is [base, base + 3 x slots), 3 per slot because an active worker, its warm standby and a draining predecessor can run at once; each new worker gets the lowest port no live worker holds. Set it where something outside the host scrapes the workers (containers: 9401 gives 9401-9403 for one slot). 0 = ephemeral ports (several supervisors share a host); the supervisor then overrides cutflow.worker.http-port with 0.");
  public static final ConfigKey WORKER_CLASS_ARCHIVE =
      DEF.define(
          "cutflow.supervisor.worker-class-archive",
          BOOLEAN,
          true,
          "Start worker JVMs from a class-data-sharing archive (AppCDS) of their classes in ~/.cache/cutflow/cds, one per JVM and jar set: a start takes about 1.5 s and 3 s of CPU less (start to READY 4.0-4.3 s against 5.7-6.0 s, ./cutflow run). ./cutflow writes it after each build (cutflow class-archive, about 5 s: a JVM loads the classes a worker loads, listed in the worker jar, and dumps them); without it, the first worker that exits after a start without one writes it. The JVM checks the archive and runs without it when it does not fit (another JDK, rebuilt jars) or the folder is not writable; class paths with directories are not archived. Off = plain JVM starts.");
  public static final ConfigKey RECYCLE_AFTER =
      DEF.define(
          "cutflow.worker.recycle-after",
          INT,
          500,
          Validators.atLeast(0),
          "Images a worker process handles before it drains, commits and exits for a fresh one; 0 = never.");
  public static final ConfigKey MAX_RSS_MB =
      DEF.define(
          "cutflow.worker.max-rss-mb",
          LONG,
          0,
          Validators.atLeast(0),
          "Resident-memory ceiling in MiB after which a worker recycles early; 0 = no ceiling.");
  public static final ConfigKey ID =
      DEF.define(
          "cutflow.worker.id",
          STRING,
          "",
          "Worker id in results and dead letters (and the base of group.instance.id); empty = <host>-<pid>.");
  public static final ConfigKey GROUP_INSTANCE_ID =
      DEF.define(
          "cutflow.worker.group-instance-id",
          STRING,
          "",
          Validators.emptyOr(Validators.kafkaName()),
          "Kafka static membership id (group.instance.id) of this worker; a replacement with the same id takes over its partitions without a rebalance. Empty = dynamic membership.");
  public static final ConfigKey STATIC_SESSION_TIMEOUT_MS =
      DEF.define(
          "cutflow.worker.static-session-timeout-ms",
          INT,
          120_000,
          Validators.atLeast(6000),
          "session.timeout.ms of static members: how long the group keeps a recycled or crashed worker's partitions for its replacement (same group.instance.id) before moving them. Must be ≤ the broker's group.max.session.timeout.ms.");
  public static final ConfigKey CRASH_RETRIES =
      DEF.define(
          "cutflow.worker.crash-retries",
          INT,
          2,
          Validators.between(0, 10),
          "Times a record is retried after it was in flight in a worker process that crashed (died without draining: OOM kill, native crash, SIGKILL); a retry runs alone, and past this a worker fails the record with worker_crashed (result + dead letter) instead of running it. The supervisor counts the crashes in memory: its restart starts the count again. 0 = fail at the first crash, including records that were only in flight beside the culprit.");
  public static final ConfigKey MODELS_DIR =
      DEF.define(
          "cutflow.models.dir",
          STRING,
          "",
          "Directory of fetched, verified model files; empty = $CUTFLOW_MODEL_CACHE, else <repo>/models/cache, else ~/.cache/cutflow/models.");

  public static final ConfigKey SAM_ENCODER_SHA256 =
      DEF.define(
          "cutflow.models.sam-encoder-sha256",
          STRING,
          "",
          Validators.emptyOr(
              Validators.matching(Pattern.compile("[0-9a-fA-F]{64}"), "64 hex digits")),
          "SHA-256 of the sam model's encoder file (sam_vit_b_01ec64.encoder.onnx). rembg publishes no checksum for it, so Cutflow fetches and loads model sam only once you give the digest of the file you trust; empty = sam unavailable (the error names this setting).");
  public static final ConfigKey SAM_DECODER_SHA256 =
      DEF.define(
          "cutflow.models.sam-decoder-sha256",
          STRING,
          "",
          Validators.emptyOr(
              Validators.matching(Pattern.compile("[0-9a-fA-F]{64}"), "64 hex digits")),
          "SHA-256 of the sam model's decoder file (sam_vit_b_01ec64.decoder.onnx); as cutflow.models.sam-encoder-sha256.");

  @Override
  public ConfigDef definition() {
    return DEF;
  }
}
