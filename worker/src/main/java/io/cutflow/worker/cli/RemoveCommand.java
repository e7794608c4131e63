package io.cutflow.worker.cli;

import io.cutflow.common.cli.CutoutOptionsMixin;
import io.cutflow.common.cli.OutputFolder;
import io.cutflow.common.cli.ProgressOutput;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.image.CutoutNames;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.inference.StopSignals;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cutflow remove}: rembg's {@code i}/{@code p} commands, one process, one model session. */
@Command(
    name = "remove",
    mixinStandardHelpOptions = true,
    description = {
      "Remove the background of images on this machine (no Kafka or S3 needed).",
      "Writes OUT/<name>.png for each FILE; `-` reads one image from stdin and writes the PNG to stdout."
    })
public final class RemoveCommand implements Callable<Integer> {

  @Parameters(
      arity = "1..*",
      paramLabel = "FILE",
      description = "Images or directories of images, or - for stdin.")
  List<String> inputs;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "DIR",
      description = "Output directory (required unless FILE is -).")
  Path out;

  @Mixin CutoutOptionsMixin rembg;

  @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores).")
  Integer threads;

  @Option(
      names = "--no-arena",
      description =
          "Keep ONNX Runtime's memory arena off for several images too (it is always off for"
              + " one): about 6%% more time on ordinary photos. A large image empties the arena"
              + " and runs without it, so six 24-megapixel images in one call peaked at 878 MB"
              + " resident with it, 892 MB without (docs/benchmarks.md).")
  boolean noArena;

  @Option(
      names = {"-r", "--recursive"},
      description =
          "Also take images in sub-folders of a FILE folder, written under the same relative path in OUT.")
  boolean recursive;

  @Option(
      names = "--skip-existing",
      description = "Leave inputs whose output already exists alone (rembg p's default).")
  boolean skipExisting;

  @Option(
      names = "--delete-input",
      description = "Delete each input once its cutout is written and read back intact.")
  boolean deleteInput;

  /**
   * No warm-up cutout: a process that exits after its images gains nothing from one. The first
   * image pays the cold run (about 0.9 s more than a warm one here) instead of a whole extra
   * inference (about 2.7 s); see {@code cutflow cold-start}.
   */
  static final int NO_WARM_UP = 0;

  /**
   * The session for {@code images} images: ONNX Runtime's memory arena keeps one run's activations
   * for the next, which a single image never uses; without it a 24-megapixel image peaks about 240
   * MB lower. Several such images peak no higher with the arena than without it, as a large image
   * empties the arena and runs on a session without it (docs/benchmarks.md).
   */
  private InferenceSession.Settings sessionFor(int images) {
    return InferenceSession.Settings.of(threads).withArena(images > 1 && !noArena);
  }

  /**
   * How long a process asked to end (SIGTERM, Ctrl-C) waits for the image the model runs and those
   * past it to be written ({@link StopSignals}); about one image, more on a slow machine.
   */
  static final Duration STOP_WAIT = Duration.ofSeconds(60);

  @Override
  public Integer call() throws Exception {
    CliArguments.allowedFor("--threads", WorkerConfig.INTRA_OP_THREADS, threads);
    return StopSignals.runStoppable(STOP_WAIT, this::removeAll);
  }

  /** The command's work; the model session is closed when it returns. */
  private int removeAll(BooleanSupplier stopping) throws Exception {
    CutoutOptions options = rembg.options();
    PrintStream err = System.err;
    ImageLimits limits = ImageLimits.forCommandLine(CutflowConfig.load());
    if (inputs.size() == 1 && inputs.get(0).equals("-")) {
      try (InputStream in = System.in;
          RemoverFactory.Loaded loaded =
              RemoverFactory.open(options.model(), sessionFor(1), limits, NO_WARM_UP)) {
        byte[] data = RemoveBatch.readUpTo(in, limits, "<stdin>");
        BackgroundRemover.Cutout cutout = loaded.remover().remove(data, "<stdin>", options);
        if (cutout.note() != null) {
          err.println("cutflow remove: <stdin>: " + cutout.note());
        }
        OutputStream stdout = System.out;
        stdout.write(cutout.png());
        stdout.flush();
        return 0;
      } catch (InvalidImageException e) {
        err.println("cutflow remove: " + e.getMessage());
        return 1;
      }
    }
    if (out == null) {
      err.println(
          "cutflow remove: --out DIR is required when reading files (or use `-` for stdin → stdout)");
      return 2;
    }
    OutputFolder.create("--out", out);
    List<String> notes = new ArrayList<>();
    RemoveBatch.Plan plan = RemoveBatch.plan(inputs, out, recursive);
    for (RemoveBatch.Item item : plan.items()) {
      String note = CutoutNames.noteIfNamedApart(item.input(), item.output());
      if (note != null) {
        notes.add(note);
      }
    }
    if (plan.items().isEmpty() && plan.missing().isEmpty()) {
      err.println("cutflow remove: no input images found in " + inputs);
      return 2;
    }
    RemoveBatch.Outcome outcome =
        plan.items().isEmpty() // every input missing: no model to load, nothing to show
            ? new RemoveBatch.Outcome(0, 0, 0, List.of())
            : removeEach(plan, options, limits, notes, stopping);
    List<String> failures = new ArrayList<>(plan.missing());
    failures.addAll(outcome.failures());
    int total = plan.items().size() + plan.missing().size();
    for (String n : notes) {
      err.println("note: " + n);
    }
    for (String f : failures) {
      err.println("failed: " + f);
    }
    int notDone =
        plan.items().size() - outcome.written() - outcome.skipped() - outcome.failures().size();
    err.printf(
        "%d of %d images written to %s%s%s%s%s%n",
        outcome.written(),
        total,
        out,
        outcome.skipped() == 0 ? "" : ", " + outcome.skipped() + " skipped (output exists)",
        outcome.deleted() == 0 ? "" : ", " + outcome.deleted() + " inputs deleted",
        failures.isEmpty() ? "" : " (" + failures.size() + " failed)",
        notDone == 0 ? "" : "; stopped as asked, " + notDone + " not done");
    return failures.isEmpty() ? 0 : 1;
  }

  /** Runs the model over {@code plan}'s images, with a progress bar on stderr. */
  private RemoveBatch.Outcome removeEach(
      RemoveBatch.Plan plan,
      CutoutOptions options,
      ImageLimits limits,
      List<String> notes,
      BooleanSupplier stopping)
      throws Exception {
    try (RemoverFactory.Loaded loaded =
            RemoverFactory.open(
                options.model(), sessionFor(plan.items().size()), limits, NO_WARM_UP);
        ProgressBar bar =
            new ProgressBarBuilder()
                .setTaskName("remove")
                .setInitialMax(plan.items().size())
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(ProgressOutput.onStderr(System.err))
                .hideEta()
                .build()) {
      BackgroundRemover remover = loaded.remover();
      return RemoveBatch.run(
          plan.items(),
          limits,
          new RemoverSteps(remover, (data, name) -> remover.prepare(data, name, options), notes),
          skipExisting,
          deleteInput,
          bar::step,
          stopping);
    }
  }
}
