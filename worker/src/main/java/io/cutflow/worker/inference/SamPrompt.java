package io.cutflow.worker.inference;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.SamPromptOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * rembg's {@code sam_prompt}: a JSON array of marks, {@code
 * {"type":"point","data":[x,y],"label":1}} (label 1 foreground, 0 background) or {@code
 * {"type":"rectangle","data":[x1,y1,x2,y2]}} (a box, which SAM takes as its two corners labelled 2
 * and 3), in the image's pixels. Without a prompt rembg puts one foreground point at the image's
 * centre ({@link #centre}); Cutflow requires a prompt ({@link
 * io.cutflow.common.job.SamPromptOption#missingPrompt}) and uses the centre only to warm a session
 * up.
 *
 * @param points x, y per point, in image pixels
 * @param labels SAM's label per point
 */
public record SamPrompt(List<double[]> points, List<Integer> labels) {
  public SamPrompt {
    points = List.copyOf(points);
    labels = List.copyOf(labels);
    if (points.isEmpty() || points.size() != labels.size()) {
      throw new IllegalArgumentException("a SAM prompt needs at least one point or rectangle");
    }
  }

  /** rembg's default: one foreground point at {@code (int(w/2), int(h/2))}. */
  public static SamPrompt centre(int width, int height) {
    return new SamPrompt(List.<double[]>of(new double[] {width / 2, height / 2}), List.of(1));
  }

  /**
   * Parses rembg's JSON form (validated as {@link SamPromptOption} validates the option).
   *
   * @throws IllegalArgumentException naming the mark and what is wrong with it
   */
  public static SamPrompt parse(String json) {
    return of(SamPromptOption.check(json));
  }

  /** The prompt of validated marks ({@link CutoutOptions#samPrompt()}). */
  public static SamPrompt of(List<Map<String, Object>> marks) {
    List<double[]> points = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (Map<String, Object> mark : marks) {
      @SuppressWarnings("unchecked")
      List<Number> data = (List<Number>) mark.get("data");
      if ("point".equals(mark.get("type"))) {
        points.add(new double[] {data.get(0).doubleValue(), data.get(1).doubleValue()});
        labels.add(((Number) mark.get("label")).intValue());
      } else {
        // SAM takes a box as its two corners labelled 2 and 3
        points.add(new double[] {data.get(0).doubleValue(), data.get(1).doubleValue()});
        points.add(new double[] {data.get(2).doubleValue(), data.get(3).doubleValue()});
        labels.add(2);
        labels.add(3);
      }
    }
    return new SamPrompt(points, labels);
  }
}
