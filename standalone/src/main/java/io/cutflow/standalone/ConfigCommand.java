package io.cutflow.standalone;

import io.cutflow.common.config.CutflowConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cutflow config}: every configuration key with its default and meaning, or the values in
 * effect.
 */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description =
        "Print the configuration reference (Markdown), or with --resolved the values in effect and where each came from.")
public final class ConfigCommand implements Callable<Integer> {
  @Option(
      names = "--resolved",
      description = "Show the values in effect (secrets masked) and their source.")
  boolean resolved;

  @Override
  public Integer call() {
    if (!resolved) {
      System.out.print(CutflowConfig.markdownTable());
      return 0;
    }
    CutflowConfig config = CutflowConfig.load();
    for (Map.Entry<String, String> e : config.describeValues().entrySet()) {
      System.out.printf(
          "%-45s %s (%s)%n",
          e.getKey(), e.getValue(), config.sourceOf(CutflowConfig.key(e.getKey()).orElseThrow()));
    }
    return 0;
  }
}
