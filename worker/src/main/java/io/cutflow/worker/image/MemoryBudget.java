package io.cutflow.worker.image;

import java.util.ArrayDeque;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The Java heap a process can give to images, handed out as leases: an image is decoded only once
 * its whole cutout's peak (see {@code CutoutMemory}) is leased, and its lease returns when its
 * result is out. So the images in flight never need more heap together than there is, and an image
 * that could never fit fails at once with {@code image_too_large} instead of ending the process
 * (workers run with {@code -XX:+ExitOnOutOfMemoryError}).
 *
 * <p>What is available is computed, not measured: the heap's maximum minus what the process needs
 * besides images ({@link #BASELINE_BYTES}, the downloads not yet admitted) minus an eighth of the
 * heap as headroom for the collector (large arrays need contiguous regions), minus the leases out.
 * Measuring {@code totalMemory() - freeMemory()} instead would count garbage as used and make
 * admission depend on when the collector last ran.
 *
 * <p>An image that fits the capacity but not what is free now waits (first come, first served) for
 * earlier images to finish; only an image over the whole capacity is refused.
 *
 * <p>A budget may also bound what images lease <em>together</em> ({@link #withSharedLimit}): an
 * image that would take the leases past that bound waits until it is alone, and a large one starts
 * from a fully collected heap. This is for resident memory rather than the heap: the serial
 * collector keeps every page the heap ever touched, so two large images in flight (one being
 * finished while the next is decoded) leave the heap resident at their sum for good, on top of the
 * model's activations. Thread-safe.
 */
public final class MemoryBudget implements ImageAdmission {
  /** A wait for heap this long is worth an operator's attention (a slow image ahead of it). */
  private static final long LONG_WAIT_MS = 30_000;

  private static final Logger log = LoggerFactory.getLogger(MemoryBudget.class);

  /**
   * Heap a worker uses besides images and their downloads: Kafka clients (the producer's buffer
   * pool may grow to 32 MiB), the ONNX Runtime session's Java side, the ops server, metrics. The
   * remover alone holds 11 MiB after warm-up and a full collection.
   */
  public static final long BASELINE_BYTES = 96L << 20;

  /**
   * What images lease together by default ({@link #withSharedLimit}), MiB: photos up to about 5.7
   * MP (75 MiB) overlap; larger ones run alone (and without ONNX Runtime's arena, which holds about
   * 440 MiB more), which keeps a worker under 1 GB: two 7.5 MP photos in flight beside a full arena
   * peaked at 970 MiB under a limit of 200 (docs/benchmarks.md, "The arena on by default").
   */
  public static final int DEFAULT_SHARED_LIMIT_MIB = 150;

  private static final long MIB = 1L << 20;

  private final long heapBytes;
  private final long capacity;
  private final long sharedLimit;
  private final Runnable collector;
  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  private long leased;

  private MemoryBudget(long heapBytes, long capacity, long sharedLimit, Runnable collector) {
    this.heapBytes = heapBytes;
    this.capacity = Math.max(0, capacity);
    this.sharedLimit = sharedLimit;
    this.collector = collector;
  }

  private MemoryBudget(long heapBytes, long capacity) {
    this(heapBytes, capacity, Long.MAX_VALUE, () -> {});
  }

  /**
   * The budget of a heap of {@code maxHeapBytes} ({@code -Xmx}) in a process that also holds {@code
   * otherBytes} outside images (a worker: its fetch threads' downloads, each up to {@code
   * cutflow.image.max-bytes}, before their images are admitted).
   */
  public static MemoryBudget forHeap(long maxHeapBytes, long otherBytes) {
    return new MemoryBudget(
        maxHeapBytes, maxHeapBytes - BASELINE_BYTES - otherBytes - maxHeapBytes / 8);
  }

  /** {@link #forHeap} for this JVM's {@code Runtime.maxMemory()}. */
  public static MemoryBudget forRuntime(long otherBytes) {
    return forHeap(Runtime.getRuntime().maxMemory(), otherBytes);
  }

  /**
   * This budget, with images leasing at most {@code bytes} together (0 = no bound but the
   * capacity); an image that needs more than {@code bytes} by itself is still admitted, alone. A
   * large image (over half of {@code bytes}: no second one fits beside it) admitted while nothing
   * else is leased first runs {@code collector} (in a worker, {@link System#gc}: with {@code
   * -XX:-ShrinkHeapInSteps} the serial collector then gives the previous large image's heap back to
   * the system before this one is decoded).
   */
  public MemoryBudget withSharedLimit(long bytes, Runnable collector) {
    if (bytes < 0) {
      throw new IllegalArgumentException("shared limit must be >= 0: " + bytes);
    }
    return new MemoryBudget(heapBytes, capacity, bytes == 0 ? Long.MAX_VALUE : bytes, collector);
  }

  /** The most images lease together before one waits to run alone; {@code Long.MAX_VALUE}: none. */
  public long sharedLimit() {
    return sharedLimit;
  }

  /** The heap this budget was computed for. */
  public long heapBytes() {
    return heapBytes;
  }

  /** Bytes images may hold at once. */
  public long capacity() {
    return capacity;
  }

  /** Images waiting for a lease now. */
  synchronized int waiting() {
    return queue.size();
  }

  /** Bytes leased now. */
  public synchronized long leased() {
    return leased;
  }

  /**
   * Leases {@code bytes} for the image {@code header} describes, waiting while earlier leases hold
   * too much.
   *
   * @throws InvalidImageException {@code TOO_LARGE} when {@code bytes} exceed the capacity: the
   *     image can never be cut out in this process
   * @throws InterruptedException while waiting; nothing is leased
   */
  @Override
  public Lease admit(String input, ImageHeader header, long bytes)
      throws InvalidImageException, InterruptedException {
    if (bytes > capacity) {
      throw tooLarge(input, header, bytes);
    }
    Object ticket = new Object();
    long waitedFrom = 0;
    boolean collect;
    boolean large;
    synchronized (this) {
      queue.addLast(ticket);
      try {
        while (queue.peekFirst() != ticket || !fitsNow(bytes)) {
          if (waitedFrom == 0) {
            waitedFrom = System.nanoTime();
            // routine for large images (each runs alone): operators see only long waits
            log.atDebug()
                .setMessage("image waits for heap held by earlier images")
                .addKeyValue("input", input)
                .addKeyValue("needs_mib", bytes / MIB)
                .addKeyValue("leased_mib", leased / MIB)
                .addKeyValue("capacity_mib", capacity / MIB)
                .addKeyValue(
                    "shared_limit_mib", sharedLimit == Long.MAX_VALUE ? "none" : sharedLimit / MIB)
                .log();
          }
          wait();
        }
      } catch (InterruptedException e) {
        queue.remove(ticket);
        notifyAll();
        throw e;
      }
      queue.removeFirst();
      // a large image (no second like it fits the limit beside it) admitted into an empty budget
      large = bytes > sharedLimit / 2;
      collect = leased == 0 && large;
      leased += bytes;
      notifyAll(); // the next in line may fit too
    }
    if (collect) {
      // before decoding: the previous large image's garbage goes now, not under this one
      collector.run();
    }
    if (waitedFrom != 0) {
      long waitedMs = (System.nanoTime() - waitedFrom) / 1_000_000;
      log.atLevel(waitedMs >= LONG_WAIT_MS ? Level.INFO : Level.DEBUG)
          .setMessage("image admitted after waiting for heap")
          .addKeyValue("input", input)
          .addKeyValue("needs_mib", bytes / MIB)
          .addKeyValue("waited_ms", waitedMs)
          .log();
    }
    return new Lease(this, bytes, large);
  }

  /** Under the lock: the capacity always, the shared limit unless the image would be alone. */
  private boolean fitsNow(long bytes) {
    return leased + bytes <= capacity && (leased == 0 || leased + bytes <= sharedLimit);
  }

  private synchronized void release(long bytes) {
    leased -= bytes;
    notifyAll();
  }

  private InvalidImageException tooLarge(String input, ImageHeader h, long bytes) {
    String detail =
        String.format(
            Locale.ROOT,
            "a %dx%d image (%.1f MP) needs %d MiB (%d bytes) of heap to cut out, more than the %d"
                + " MiB (%d bytes) this process has for images (of a %d MiB heap); send a smaller"
                + " image, or give the process a larger heap (a worker: --worker-heap; remove and"
                + " frames: CUTFLOW_JAVA_OPTS=-Xmx2g), and set"
                + " cutflow.image.max-pixels to what that heap fits so larger images are refused"
                + " from their header",
            h.orientedWidth(),
            h.orientedHeight(),
            h.pixels() / 1e6,
            bytes / MIB,
            bytes,
            capacity / MIB,
            capacity,
            heapBytes / MIB);
    return new InvalidImageException(
        InvalidImageException.Reason.TOO_LARGE, input, detail, h.kind(), null);
  }

  /** Heap leased for one image; {@link #close} returns it (once, whoever calls it). */
  public static final class Lease implements AutoCloseable {
    /** A lease of nothing, for images decoded outside any budget. */
    public static final Lease NONE = new Lease(null, 0, false);

    private final MemoryBudget budget;
    private final long bytes;
    private final boolean large;
    private boolean open = true;

    private Lease(MemoryBudget budget, long bytes, boolean large) {
      this.budget = budget;
      this.bytes = bytes;
      this.large = large;
    }

    public long bytes() {
      return bytes;
    }

    /**
     * Whether the image is large: over half the shared limit, so it runs alone, after a collection.
     */
    public boolean large() {
      return large;
    }

    @Override
    public void close() {
      synchronized (this) {
        if (!open) {
          return;
        }
        open = false;
      }
      if (budget != null) {
        budget.release(bytes);
      }
    }
  }
}
