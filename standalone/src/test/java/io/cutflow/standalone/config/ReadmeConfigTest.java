package io.cutflow.standalone.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference must not drift from the catalogue it documents. */
class ReadmeConfigTest {
  @Test
  void readmeDocumentsEveryKeyWithItsDefault() throws Exception {
    Path readme = Path.of("..", "README.md");
    assertTrue(Files.exists(readme), "README.md at the repository root");
    String text = Files.readString(readme);
    for (ConfigKey key : CutflowConfig.keys()) {
      assertTrue(
          text.contains("`" + key.name() + "`"),
          "README documents " + key.name() + " (regenerate the table with ./cutflow config)");
    }
    assertTrue(
        text.contains(CutflowConfig.markdownTable().strip()),
        "README's configuration table is exactly `./cutflow config` output; regenerate it");
  }
}
