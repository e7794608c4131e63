package io.cutflow.worker.supervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run behind {@link WorkerClassArchive#prepare}: loads, without initialising them, the
 * classes a worker loads, so that the JVM it runs in ({@code -XX:ArchiveClassesAtExit}) puts them
 * in the archive as it exits. The list is the file given as the one argument, else the bundled
 * {@value WorkerClassArchive#CLASS_LIST}; its format is {@code -XX:DumpLoadedClassList}'s (a class
 * per line as {@code a/b/C}, anything after a space ignored, {@code #} and {@code @} lines
 * skipped). Classes the list names that this build no longer has are counted and skipped.
 */
public final class WorkerClassTraining {
  private WorkerClassTraining() {}

  public static void main(String[] args) throws IOException {
    ClassLoader loader = WorkerClassTraining.class.getClassLoader();
    int loaded = 0;
    int missing = 0;
    try (InputStream in = open(args);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String name = line.strip();
        if (name.isEmpty() || name.startsWith("#") || name.startsWith("@")) {
          continue;
        }
        int space = name.indexOf(' ');
        name = (space < 0 ? name : name.substring(0, space)).replace('/', '.');
        try {
          Class.forName(name, false, loader);
          loaded++;
        } catch (ClassNotFoundException | LinkageError e) {
          missing++; // renamed or removed since the list was made, or generated at run time
        }
      }
    }
    System.out.println("classes loaded: " + loaded + ", not found: " + missing);
  }

  private static InputStream open(String[] args) throws IOException {
    if (args.length == 1) {
      return Files.newInputStream(Path.of(args[0]));
    }
    InputStream in = WorkerClassTraining.class.getResourceAsStream(WorkerClassArchive.CLASS_LIST);
    if (in == null) {
      throw new IOException(
          "no " + WorkerClassArchive.CLASS_LIST + " beside " + WorkerClassTraining.class);
    }
    return in;
  }
}
