package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real JVM child on a jar class path: the first start dumps an archive at exit, {@link
 * WorkerClassArchive#collect} moves it into place, the next start maps it, and a damaged archive
 * only costs the JVM its use (the child still runs, silently).
 */
class WorkerClassArchiveTest {
  private static final String MAIN = WorkerPortsTest.ExitAtOnce.class.getName();

  @Test
  void firstWorkerDumpsLaterOnesUseItAndDamageIsHarmless(@TempDir Path dir) throws Exception {
    Path jar = jarOfMain(dir.resolve("main.jar"));
    WorkerClassArchive archive =
        WorkerClassArchive.in(dir.resolve("cds"), jar.toString()).orElseThrow();

    Path[] dumpTo = {null};
    List<String> first = archive.jvmArgs(dumpTo);
    assertNotNull(dumpTo[0], "no archive yet: the first worker dumps one");
    assertTrue(
        first.stream().anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit=")), first.toString());
    assertEquals(0, run(first, jar));
    archive.collect(dumpTo[0]);
    assertTrue(Files.size(archive.archive()) > 0);
    assertTrue(Files.notExists(dumpTo[0]));
    // and its class list, which the next prepare in this folder trains on
    assertTrue(
        Files.readAllLines(dir.resolve("cds").resolve(WorkerClassArchive.CLASS_LIST))
            .contains(MAIN.replace('.', '/')));

    List<String> second = archive.jvmArgs(dumpTo);
    assertNull(dumpTo[0]);
    assertTrue(second.contains("-XX:SharedArchiveFile=" + archive.archive()), second.toString());
    assertEquals(0, run(second, jar));
    List<String> strict = new ArrayList<>(second);
    strict.add("-Xshare:on"); // fails to start unless the archive maps
    assertEquals(0, run(strict, jar));

    Files.writeString(archive.archive(), "not an archive");
    assertEquals(0, run(second, jar));
  }

  /**
   * The launcher's step after a build: a training JVM loads the listed classes, the archive it
   * dumps is moved into place, and a worker JVM then loads them from it (its class-loading log says
   * so). A listed class that is gone is skipped.
   */
  @Test
  void prepareWritesAnArchiveOfTheListedClassesBeforeAnyWorker(@TempDir Path dir) throws Exception {
    Path jar = dir.resolve("main.jar");
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file)) {
      copyClass(out, MAIN);
      copyClass(out, WorkerClassTraining.class.getName());
      out.putNextEntry(
          new JarEntry("io/cutflow/worker/supervisor/" + WorkerClassArchive.CLASS_LIST));
      out.write(
          ("# a comment\n@lambda-proxy skipped\n"
                  + MAIN.replace('.', '/')
                  + " id: 7\nio/cutflow/GoneSinceTheListWasMade\n")
              .getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    WorkerClassArchive archive =
        WorkerClassArchive.in(dir.resolve("cds"), jar.toString()).orElseThrow();
    assertTrue(archive.prepare(Duration.ofMinutes(1)));
    assertTrue(Files.size(archive.archive()) > 0);
    try (var left = Files.list(dir.resolve("cds"))) {
      assertEquals(List.of(archive.archive()), left.toList(), "no temporary file left behind");
    }
    assertTrue(archive.prepare(Duration.ofMinutes(1)), "there already: nothing to do");

    Path[] dumpTo = {null};
    List<String> jvm = new ArrayList<>(archive.jvmArgs(dumpTo));
    assertNull(dumpTo[0], "the worker maps the prepared archive instead of dumping one");
    jvm.add("-Xshare:on");
    jvm.add("-Xlog:class+load=info");
    Process p = new ProcessBuilder(command(jvm, jar)).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), log);
    assertTrue(
        log.lines().anyMatch(l -> l.contains(MAIN + " source: shared objects file (top)")),
        "the worker's main class did not come from the archive:\n"
            + log.lines().filter(l -> l.contains("ExitAtOnce")).toList());
  }

  /** The bundled list still names this build's classes (else: refresh it, see its header). */
  @Test
  void theBundledListNamesThisBuildsClasses() throws Exception {
    List<String> ours;
    try (InputStream in =
        WorkerClassTraining.class.getResourceAsStream(WorkerClassArchive.CLASS_LIST)) {
      ours =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .filter(l -> l.startsWith("io/cutflow/"))
              .map(l -> l.replace('/', '.'))
              .toList();
    }
    List<String> gone = new ArrayList<>();
    for (String name : ours) {
      try {
        Class.forName(name, false, getClass().getClassLoader());
      } catch (ClassNotFoundException e) {
        gone.add(name);
      }
    }
    assertTrue(ours.size() > 100, "the list has " + ours.size() + " of Cutflow's classes");
    assertTrue(
        gone.size() * 10 <= ours.size(),
        gone.size()
            + " of the "
            + ours.size()
            + " Cutflow classes in "
            + WorkerClassArchive.CLASS_LIST
            + " are gone (refresh it as its header says): "
            + gone);
  }

  @Test
  void directoriesOnTheClassPathMeanNoArchive(@TempDir Path dir) throws Exception {
    Path jar = jarOfMain(dir.resolve("main.jar"));
    String cp = jar + java.io.File.pathSeparator + dir;
    assertTrue(WorkerClassArchive.in(dir.resolve("cds"), cp).isEmpty());
    java.util.jar.Manifest m = new java.util.jar.Manifest();
    m.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(java.util.jar.Attributes.Name.CLASS_PATH, dir.toUri().toString());
    Path manifestOnly = dir.resolve("booter.jar");
    try (OutputStream out = Files.newOutputStream(manifestOnly);
        JarOutputStream j = new JarOutputStream(out, m)) {
      j.flush();
    }
    assertTrue(WorkerClassArchive.in(dir.resolve("cds"), manifestOnly.toString()).isEmpty());
  }

  /**
   * Other checkouts and JDKs share the folder: a new archive keeps the newest others, up to {@link
   * WorkerClassArchive#KEPT} in all, and deletes only the older ones.
   */
  @Test
  void aNewArchiveKeepsTheNewestOthers(@TempDir Path dir) throws Exception {
    Path cds = Files.createDirectories(dir.resolve("cds"));
    List<Path> others = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Path other = Files.writeString(cds.resolve("worker-other" + i + ".jsa"), "archive " + i);
      Files.setLastModifiedTime(other, FileTime.fromMillis(1_000_000L * (i + 1))); // 0 oldest
      others.add(other);
    }
    Path remove = Files.writeString(cds.resolve("cli-remove-x.jsa"), "the launcher's own");
    WorkerClassArchive archive =
        WorkerClassArchive.in(cds, jarOfMain(dir.resolve("main.jar")).toString()).orElseThrow();
    Path[] dumpTo = {null};
    archive.jvmArgs(dumpTo);
    Files.writeString(dumpTo[0], "a dumped archive"); // as a worker leaves it when it exits
    archive.collect(dumpTo[0]);

    assertTrue(Files.isRegularFile(archive.archive()));
    int kept = WorkerClassArchive.KEPT - 1;
    for (int i = 0; i < others.size(); i++) {
      assertEquals(
          i >= others.size() - kept,
          Files.exists(others.get(i)),
          others.get(i).getFileName() + ": only the " + kept + " newest others stay");
    }
    assertTrue(Files.exists(remove), "not a worker archive: not ours to delete");
  }

  @Test
  void keyFollowsTheJarsAndTheJvm(@TempDir Path dir) throws Exception {
    Path jar = jarOfMain(dir.resolve("a.jar"));
    String key = WorkerClassArchive.key(jar.toString());
    assertEquals(key, WorkerClassArchive.key(jar.toString()));
    Files.setLastModifiedTime(
        jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 2000));
    assertNotEquals(
        key, WorkerClassArchive.key(jar.toString()), "a rebuilt jar needs a new archive");
  }

  private static List<String> command(List<String> jvmArgs, Path jar) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(jar.toString());
    cmd.add(MAIN);
    return cmd;
  }

  private static int run(List<String> jvmArgs, Path jar) throws Exception {
    List<String> cmd = command(jvmArgs, jar);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    int rc = p.waitFor();
    assertEquals("", out.strip(), "the child said something: " + cmd);
    return rc;
  }

  private static Path jarOfMain(Path jar) throws Exception {
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file)) {
      copyClass(out, MAIN);
    }
    return jar;
  }

  private static void copyClass(JarOutputStream out, String className) throws Exception {
    String entry = className.replace('.', '/') + ".class";
    try (InputStream in =
        WorkerClassArchiveTest.class.getClassLoader().getResourceAsStream(entry)) {
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
      out.closeEntry();
    }
  }
}
