package io.cutflow.common.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.cli.CutoutOptionsMixin;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The {@code sam} prompt as rembg takes it ({@code -x '{"sam_prompt": [...]}'}, server {@code
 * extras}), as a job carries it ({@code options.sam_prompt}), and the one refusal: model {@code
 * sam} without a prompt.
 */
class SamPromptOptionTest {
  private static final String EXTRAS =
      "{\"sam_prompt\": [{\"type\": \"point\", \"data\": [724, 740], \"label\": 1},"
          + " {\"type\": \"rectangle\", \"data\": [10, 20.5, 300, 400]}]}";
  private static final List<Map<String, Object>> MARKS =
      List.of(
          Map.of("type", "point", "data", List.of(724, 740), "label", 1),
          Map.of("type", "rectangle", "data", List.of(10, 20.5, 300, 400)));

  private final ObjectMapper json = JobCodec.newMapper();
  private final JobCodec codec = new JobCodec();

  @Command(name = "t")
  static final class Cmd {
    @Mixin CutoutOptionsMixin rembg;
  }

  private static CutoutOptions cli(String... args) {
    Cmd cmd = new Cmd();
    new CommandLine(cmd).parseArgs(args);
    return cmd.rembg.options();
  }

  @Test
  void rembgsExtrasOnTheCommandLineAndOverHttpGiveTheMarks() {
    assertEquals(MARKS, cli("-m", "sam", "-x", EXTRAS).samPrompt());
    assertEquals(MARKS, cli("--extras", EXTRAS).samPrompt());
    CutoutOptions http =
        CutoutOptions.builder().parse(CutoutOptions.SAM_PROMPT, "extras", EXTRAS).build();
    assertEquals(MARKS, http.samPrompt());
    // rembg's server sends extras={} when nothing is given
    assertNull(
        CutoutOptions.builder()
            .parse(CutoutOptions.SAM_PROMPT, "extras", "{}")
            .build()
            .samPrompt());
    assertNull(CutoutOptions.DEFAULTS.samPrompt());
  }

  @Test
  void theJobCarriesTheMarksOnlyWhenGiven() throws Exception {
    assertFalse(json.writeValueAsString(CutoutOptions.DEFAULTS).contains("sam_prompt"));
    // the prompt first: model sam without one is not a valid value, even for a moment
    CutoutOptions o =
        CutoutOptions.DEFAULTS
            .with(CutoutOptions.SAM_PROMPT, MARKS)
            .with(CutoutOptions.MODEL, "sam");
    String text = json.writeValueAsString(o);
    assertEquals(
        "{\"model\":\"sam\",\"only_mask\":false,\"post_process_mask\":false,\"sam_prompt\":"
            + "[{\"type\":\"point\",\"data\":[724,740],\"label\":1},"
            + "{\"type\":\"rectangle\",\"data\":[10,20.5,300,400]}]}",
        text);
    assertEquals(o, json.readValue(text, CutoutOptions.class));

    String job =
        "{\"schema\":\"cutflow.job-request/v1\",\"job_id\":\"j1\","
            + "\"source\":{\"bucket\":\"raw\",\"key\":\"a.jpg\"},\"options\":"
            + text
            + ",\"submitted_at\":\"2025-01-31T12:00:00Z\"}";
    assertEquals(List.of(), codec.validateRequest(job));
    assertEquals(MARKS, codec.decodeRequest(job).options().samPrompt());
  }

  @Test
  void samWithoutAPromptIsRefusedNamingTheOptionEverywhere() {
    InvalidOptionException cliError =
        assertThrows(InvalidOptionException.class, () -> cli("-m", "sam"));
    assertEquals("sam_prompt", cliError.option());
    assertTrue(cliError.getMessage().contains("-x/--extras"), cliError.getMessage());
    assertTrue(cliError.getMessage().contains("extras (HTTP)"), cliError.getMessage());

    String job =
        "{\"schema\":\"cutflow.job-request/v1\",\"job_id\":\"j1\","
            + "\"source\":{\"bucket\":\"raw\",\"key\":\"a.jpg\"},\"options\":{\"model\":\"sam\"},"
            + "\"submitted_at\":\"2025-01-31T12:00:00Z\"}";
    InvalidJobException e = assertThrows(InvalidJobException.class, () -> codec.decodeRequest(job));
    assertEquals("schema_violation", e.code());
    assertTrue(e.getMessage().contains("sam_prompt"), e.getMessage());
    // other models take a prompt and ignore it, as rembg does
    assertEquals(MARKS, cli("-m", "u2net", "-x", EXTRAS).samPrompt());
  }

  @Test
  void aBadPromptNamesTheFlagTheMarkAndTheShape() {
    for (String[] bad :
        new String[][] {
          {"[1]", "expected a JSON object"},
          {"{\"sam_prompt\": []}", "at least one mark"},
          {"{\"sam_prompt\": [{\"type\": \"point\", \"data\": [1, 2]}]}", "sam_prompt[0]: a point"},
          {"{\"sam_prompt\": [{\"type\": \"point\", \"data\": [1, 2], \"label\": 2}]}", "label"},
          {
            "{\"sam_prompt\": [{\"type\": \"rectangle\", \"data\": [1, 2, 3]}]}", "[x1, y1, x2, y2]"
          },
          {
            "{\"sam_prompt\": [{\"type\": \"box\", \"data\": [1, 2]}]}",
            "\"point\" or \"rectangle\""
          },
          {"{\"sam_model\": \"sam_vit_h_4b8939\"}", "reads only \"sam_prompt\""},
          {"{\"cc\": \"upper\"}", "its own option (-cc, cc=, options.cloth_category)"},
          {"{", "not JSON"}
        }) {
      InvalidOptionException e =
          assertThrows(InvalidOptionException.class, () -> cli("-x", bad[0]), bad[0]);
      assertTrue(e.getMessage().startsWith("-x: "), e.getMessage());
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
    }
    String job =
        "{\"schema\":\"cutflow.job-request/v1\",\"job_id\":\"j1\","
            + "\"source\":{\"bucket\":\"raw\",\"key\":\"a.jpg\"},"
            + "\"options\":{\"sam_prompt\":[{\"type\":\"point\",\"data\":[1,2]}]},"
            + "\"submitted_at\":\"2025-01-31T12:00:00Z\"}";
    InvalidJobException e = assertThrows(InvalidJobException.class, () -> codec.decodeRequest(job));
    assertEquals("schema_violation", e.code());
    assertTrue(e.getMessage().contains("sam_prompt[0]: a point needs"), e.getMessage());
  }
}
