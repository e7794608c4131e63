package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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

  private static int run(List<String> jvmArgs, Path jar) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(jar.toString());
    cmd.add(MAIN);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    int rc = p.waitFor();
    assertEquals("", out.strip(), "the child said something: " + cmd);
    return rc;
  }

  private static Path jarOfMain(Path jar) throws Exception {
    String entry = MAIN.replace('.', '/') + ".class";
    try (InputStream in = WorkerClassArchiveTest.class.getClassLoader().getResourceAsStream(entry);
        OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file)) {
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }
}
