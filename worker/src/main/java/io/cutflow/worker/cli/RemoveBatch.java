package io.cutflow.worker.cli;

import io.cutflow.common.cli.CutoutFiles;
import io.cutflow.common.cli.InputFiles;
import io.cutflow.common.image.CutoutNames;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.InvalidImageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The file side of {@code cutflow remove}, apart from the model: which inputs map to which outputs
 * (folders, {@code --recursive} keeping relative paths), {@code --skip-existing}, and {@code
 * --delete-input} only after the output is written and read back equal.
 */
final class RemoveBatch {

  /** One input and the cutout it becomes. */
  record Item(Path input, Path output) {}

  /** The inputs found, and the ones named that do not exist. */
  record Plan(List<Item> items, List<String> missing) {}

  /**
   * The three steps that make one image's PNG, each run on a thread of its own ({@link
   * RemovePipeline}): {@code prepare} (decode, pre-process), {@code infer} (the model), {@code
   * finish} (mask, composition, encoding).
   */
  interface Steps<P, I> {
    P prepare(byte[] data, String name) throws Exception;

    I infer(P prepared) throws Exception;

    byte[] finish(I inferred, String name) throws Exception;

    /** Gives back what {@code prepare} took, once the PNG is written or the image failed. */
    void release(P prepared);
  }

  /** What a run did. */
  record Outcome(int written, int skipped, int deleted, List<String> failures) {}

  private RemoveBatch() {}

  /**
   * Outputs for {@code inputs} under {@code out}: a file gives {@code OUT/<name>.png}; a folder its
   * files (hidden ones left out), with {@code recursive} also those of its sub-folders as {@code
   * OUT/<relative path>/<name>.png}. Nothing under {@code out} is taken as input, so OUT may lie
   * inside an input folder (but may not be one). No output is written twice or over an input:
   * inputs that would share an output ({@code a.jpg}, {@code a.png}) keep their extension in its
   * name ({@link CutoutNames}).
   *
   * @throws IllegalArgumentException when {@code out} is one of the input folders
   */
  static Plan plan(List<String> inputs, Path out, boolean recursive) throws IOException {
    Path outAbs = out.toAbsolutePath().normalize();
    List<Path> files = new ArrayList<>();
    List<String> relative = new ArrayList<>(); // where each file's output goes, under out
    List<String> missing = new ArrayList<>();
    for (String input : inputs) {
      Path p = Path.of(input);
      if (Files.isDirectory(p)) {
        if (p.toAbsolutePath().normalize().equals(outAbs)) {
          throw new IllegalArgumentException(
              "--out "
                  + out
                  + " is the input folder "
                  + input
                  + ": its cutouts would be written among the images (a.png over a.png); give"
                  + " another folder, e.g. "
                  + out.resolve("cutouts"));
        }
        for (Path file : filesIn(p, outAbs, recursive)) {
          files.add(file);
          relative.add(
              p.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/"));
        }
      } else if (Files.isRegularFile(p)) {
        files.add(p);
        relative.add(p.getFileName().toString());
      } else {
        missing.add("no such file: " + input);
      }
    }
    Set<Path> inputFiles = new HashSet<>();
    for (Path f : files) {
      inputFiles.add(f.toAbsolutePath().normalize());
    }
    List<String> names =
        CutoutNames.of(relative, name -> inputFiles.contains(outAbs.resolve(name).normalize()));
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      items.add(new Item(files.get(i), out.resolve(names.get(i))));
    }
    return new Plan(items, missing);
  }

  private static List<Path> filesIn(Path dir, Path outAbs, boolean recursive) throws IOException {
    if (!recursive) {
      try (Stream<Path> s = Files.list(dir)) {
        return s.filter(Files::isRegularFile).filter(f -> !hidden(f)).sorted().toList();
      }
    }
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
            boolean skip =
                !d.equals(dir) && (hidden(d) || d.toAbsolutePath().normalize().startsWith(outAbs));
            return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
            if (attrs.isRegularFile() && !hidden(f)) {
              files.add(f);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    files.sort(null);
    return files;
  }

  private static boolean hidden(Path p) {
    return p.getFileName().toString().startsWith(".");
  }

  /**
   * Runs the plan: each item skipped when {@code skipExisting} and its output exists, else cut out
   * and written (via a temporary file, moved into place); with {@code deleteInput}, the input is
   * deleted once its output has been read back byte for byte (never when it is the output itself,
   * never for a skipped or failed item). {@code step} is called after each item. The steps of
   * successive images overlap ({@link RemovePipeline}). Once {@code stopping} is true no further
   * image goes to the model; those already past it are written.
   */
  static <P, I> Outcome run(
      List<Item> items,
      ImageLimits limits,
      Steps<P, I> steps,
      boolean skipExisting,
      boolean deleteInput,
      Runnable step,
      BooleanSupplier stopping) {
    AtomicInteger deleted = new AtomicInteger();
    Iterator<Item> each = items.iterator();
    RemovePipeline.Batch<Item> files =
        new RemovePipeline.Batch<>() {
          @Override
          public Item next() {
            return each.hasNext() ? each.next() : null;
          }

          @Override
          public boolean skip(Item item) {
            return skipExisting && Files.exists(item.output());
          }

          @Override
          public String name(Item item) {
            return item.input().toString();
          }

          @Override
          public byte[] read(Item item) throws IOException, InvalidImageException {
            return readFile(item.input(), limits);
          }

          @Override
          public void write(Item item, byte[] png) throws IOException {
            writeVerified(item.output(), png);
            if (deleteInput && !Files.isSameFile(item.input(), item.output())) {
              Files.delete(item.input());
              deleted.incrementAndGet();
            }
          }
        };
    RemovePipeline.Outcome o = new RemovePipeline<>(files, steps, step, stopping).run();
    return new Outcome(o.written(), o.skipped(), deleted.get(), o.failures());
  }

  /**
   * {@code file} whole, refused from its size when over {@code limits}' bytes: a hostile file never
   * fills the heap (reading it whole first ran the process out of memory, and the images after it
   * were never done).
   */
  static byte[] readFile(Path file, ImageLimits limits) throws IOException, InvalidImageException {
    long size = Files.size(file);
    limits.checkBytes(size, false, file.toString());
    return InputFiles.read(file, size);
  }

  /**
   * {@code in} whole (stdin), refused once it goes past {@code limits}' bytes, before more of it is
   * held.
   */
  static byte[] readUpTo(InputStream in, ImageLimits limits, String name)
      throws IOException, InvalidImageException {
    byte[] data = in.readNBytes((int) limits.maxBytes());
    if (in.read() != -1) {
      limits.checkBytes(limits.maxBytes() + 1, true, name);
    }
    return data;
  }

  /**
   * Writes {@code png} to {@code target} through a temporary file in the same folder, moved into
   * place, and reads it back: an {@link IOException} unless the file holds exactly {@code png}.
   */
  static void writeVerified(Path target, byte[] png) throws IOException {
    CutoutFiles.write(target, png);
    if (!Arrays.equals(Files.readAllBytes(target), png)) {
      throw new IOException(
          target + ": the written cutout does not read back as written; input kept");
    }
  }
}
