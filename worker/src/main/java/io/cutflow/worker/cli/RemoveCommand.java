package io.cutflow.worker.cli;

import io.cutflow.common.cli.CutoutOptionsMixin;
import io.cutflow.common.image.CutoutFileName;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.RemoverFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cutflow remove}: rembg's {@code i}/{@code p} commands, one process, one warmed model. */
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

  @Override
  public Integer call() throws Exception {
    CutoutOptions options = rembg.options();
    PrintStream err = System.err;
    if (inputs.size() == 1 && inputs.get(0).equals("-")) {
      byte[] data;
      try (InputStream in = System.in) {
        data = in.readAllBytes();
      }
      try (RemoverFactory.Loaded loaded = RemoverFactory.open(options.model(), threads)) {
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
    List<String> failures = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    List<Path> files = expand(inputs, failures);
    if (files.isEmpty() && failures.isEmpty()) {
      err.println("cutflow remove: no input images found in " + inputs);
      return 2;
    }
    Files.createDirectories(out);
    try (RemoverFactory.Loaded loaded = RemoverFactory.open(options.model(), threads);
        ProgressBar bar =
            new ProgressBarBuilder()
                .setTaskName("remove")
                .setInitialMax(files.size())
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(err))
                .hideEta()
                .build()) {
      for (Path file : files) {
        bar.setExtraMessage(file.getFileName().toString());
        try {
          byte[] data = Files.readAllBytes(file);
          BackgroundRemover.Cutout cutout = loaded.remover().remove(data, file.toString(), options);
          Files.write(out.resolve(CutoutFileName.of(file)), cutout.png());
          if (cutout.note() != null) {
            notes.add(file + ": " + cutout.note());
          }
        } catch (InvalidImageException | IOException e) {
          failures.add(e.getMessage());
        }
        bar.step();
      }
    }
    int total =
        files.size() + (int) failures.stream().filter(f -> f.startsWith("no such file")).count();
    int ok = total - failures.size();
    for (String n : notes) {
      err.println("note: " + n);
    }
    for (String f : failures) {
      err.println("failed: " + f);
    }
    err.printf(
        "%d of %d images written to %s%s%n",
        ok, total, out, failures.isEmpty() ? "" : " (" + failures.size() + " failed)");
    return failures.isEmpty() ? 0 : 1;
  }

  private static List<Path> expand(List<String> inputs, List<String> failures) throws IOException {
    List<Path> files = new ArrayList<>();
    for (String input : inputs) {
      Path p = Path.of(input);
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          s.filter(Files::isRegularFile)
              .filter(f -> !f.getFileName().toString().startsWith("."))
              .sorted()
              .forEach(files::add);
        }
      } else if (Files.isRegularFile(p)) {
        files.add(p);
      } else {
        failures.add("no such file: " + input);
      }
    }
    return files;
  }
}
