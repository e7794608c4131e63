package io.cutflow.worker.cli;

import io.cutflow.common.cli.ProgressOutput;
import io.cutflow.worker.model.ChecksumSettings;
import io.cutflow.worker.model.FetchProgress;
import io.cutflow.worker.model.ModelCache;
import io.cutflow.worker.model.ModelFetcher;
import io.cutflow.worker.model.ModelManifest;
import io.cutflow.worker.model.ModelRegistry;
import io.cutflow.worker.model.ModelSource;
import io.cutflow.worker.model.ModelSpec;
import io.cutflow.worker.model.UnknownModelException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code cutflow models list|fetch}: shows and fetches the models of the manifest. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "List and fetch the segmentation models (verified by size and checksum).",
    subcommands = {ModelsCommand.ListCommand.class, ModelsCommand.FetchCommand.class})
public class ModelsCommand implements Callable<Integer> {

  @Option(
      names = "--cache",
      paramLabel = "DIR",
      description =
          "Model cache directory (default: $CUTFLOW_MODEL_CACHE, -Dcutflow.models.cache, "
              + "$CUTFLOW_HOME/models/cache, the checkout's models/cache, else ~/.cache/cutflow/models).")
  Path cache;

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description = "Use this models.json instead of the bundled one.")
  Path manifest;

  @Spec CommandSpec spec;

  public ModelsCommand() {}

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  ModelRegistry registry(Path subCache, Path subManifest) throws IOException {
    Path c = subCache != null ? subCache : cache;
    Path m = subManifest != null ? subManifest : manifest;
    ModelManifest mf = m != null ? ModelManifest.load(m) : ModelManifest.loadDefault();
    return new ModelRegistry(
        mf.withChecksumSettings(ChecksumSettings.ofProcess()),
        ModelCache.resolve(c),
        new ModelFetcher());
  }

  /** {@code models list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the known models and their local state.")
  public static class ListCommand implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;

    @Option(names = "--cache", paramLabel = "DIR", description = "Model cache directory.")
    Path cache;

    @Option(names = "--manifest", paramLabel = "FILE", description = "Use this models.json.")
    Path manifest;

    @Option(names = "--verify", description = "Hash files that have no valid verification record.")
    boolean verify;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      ModelRegistry reg = parent.registry(cache, manifest);
      PrintWriter out = spec.commandLine().getOut();
      List<ModelRegistry.ModelStatus> rows = new ArrayList<>();
      for (ModelRegistry.ModelStatus s : reg.list()) {
        rows.add(verify ? reg.status(s.spec(), true) : s);
      }
      // wide enough for the longest name and family, so that every row lines up with the header
      int nameWidth = "NAME".length();
      int familyWidth = "FAMILY".length();
      for (ModelRegistry.ModelStatus s : rows) {
        nameWidth = Math.max(nameWidth, s.spec().name().length());
        familyWidth = Math.max(familyWidth, s.spec().family().id().length());
      }
      String fmt = "%-1s %-" + nameWidth + "s %-" + familyWidth + "s %-10s %10s  %-8s  %s%n";
      out.printf(fmt, "", "NAME", "FAMILY", "INPUT", "SIZE", "STATE", "SOURCE");
      for (ModelRegistry.ModelStatus s : rows) {
        ModelSpec m = s.spec();
        out.printf(
            fmt,
            s.isDefault() ? "*" : "",
            m.name(),
            m.family().id(),
            m.input(),
            m.size() == null ? "?" : humanBytes(m.size()),
            s.state().name().toLowerCase(Locale.ROOT),
            m.sources().isEmpty() ? "-" : firstSource(m.sources().get(0)));
      }
      out.printf("%n* default model. Cache: %s%n", reg.cache());
      out.printf("%nLicences (NC: non-commercial use only):%n");
      for (ModelSpec m : reg.manifest().models()) {
        out.printf(
            "%-2s %-" + nameWidth + "s %s%n",
            m.nonCommercial() ? "NC" : "",
            m.name(),
            m.licence().isEmpty() ? "(not stated in the manifest)" : m.licence());
      }
      out.println();
      for (ModelRegistry.ModelStatus s : rows) {
        if (!s.detail().isEmpty()) {
          out.printf("%s: %s%n", s.spec().name(), s.detail());
        }
      }
      out.flush();
      return 0;
    }
  }

  /** {@code models fetch [NAME...] [--all]}. */
  @Command(
      name = "fetch",
      mixinStandardHelpOptions = true,
      description = "Fetch and verify models into the cache (default: the default model).")
  public static class FetchCommand implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Models to fetch.")
    List<String> names = new ArrayList<>();

    @Option(names = "--all", description = "Fetch every model; report each failure and carry on.")
    boolean all;

    @Option(names = "--cache", paramLabel = "DIR", description = "Model cache directory.")
    Path cache;

    @Option(names = "--manifest", paramLabel = "FILE", description = "Use this models.json.")
    Path manifest;

    @Option(names = "--no-progress", description = "Do not draw a progress bar.")
    boolean noProgress;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      ModelRegistry reg = parent.registry(cache, manifest);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      List<String> todo = new ArrayList<>();
      if (all) {
        todo.addAll(reg.manifest().names());
      }
      todo.addAll(names);
      if (todo.isEmpty()) {
        todo.add(reg.manifest().defaultName());
      }
      for (String n : todo) {
        try {
          reg.get(n);
        } catch (UnknownModelException e) {
          err.println(e.getMessage());
          err.flush();
          return 2;
        }
      }
      int failed = 0;
      try (ModelRegistry.Batch batch = reg.batch()) {
        for (String n : todo.stream().distinct().toList()) {
          try (BarProgress bar = new BarProgress(n, !noProgress)) {
            List<Path> files = batch.ensureAll(n, bar);
            bar.finish();
            for (Path p : files) {
              out.printf("%s: ok %s%n", n, p);
            }
          } catch (IOException | RuntimeException e) {
            failed++;
            err.printf("%s: FAILED %s%n", n, e.getMessage());
          }
          out.flush();
          err.flush();
        }
      }
      if (failed > 0) {
        err.printf("%d of %d model(s) failed%n", failed, todo.stream().distinct().count());
        err.flush();
        return 1;
      }
      return 0;
    }
  }

  /** Draws a me.tongfei progress bar on stderr, created lazily when there is something to show. */
  static final class BarProgress implements FetchProgress, AutoCloseable {
    private final String name;
    private final boolean enabled;
    private ProgressBar bar;
    private String phase = "";
    private long max = -2;

    BarProgress(String name, boolean enabled) {
      this.name = name;
      this.enabled = enabled;
    }

    @Override
    public void phase(String description) {
      phase = description;
      if (bar != null) {
        bar.setExtraMessage(shortPhase());
      }
    }

    @Override
    public void update(long bytesSoFar, long total) {
      if (!enabled) {
        return;
      }
      if (bar == null) {
        bar =
            new ProgressBarBuilder()
                .setTaskName(name)
                .setInitialMax(total)
                .setUnit("MiB", 1L << 20)
                .setConsumer(ProgressOutput.onStderr(System.err))
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .build();
        bar.setExtraMessage(shortPhase());
        max = total;
      } else if (total != max) {
        bar.maxHint(total);
        max = total;
      }
      bar.stepTo(bytesSoFar);
    }

    private String shortPhase() {
      int i = phase.indexOf(' ');
      return " " + (i < 0 ? phase : phase.substring(0, i));
    }

    void finish() {
      if (bar != null && max > 0) {
        bar.stepTo(max);
      }
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
        bar = null;
      }
    }
  }

  private static String firstSource(ModelSource s) {
    return s.describe();
  }

  static String humanBytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024L * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
  }

  /** Standalone entry point, for trying the command before it is registered in the root CLI. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ModelsCommand()).execute(args));
  }
}
