import { describe, expect, it } from "vitest";
import { createProgram } from "../../apps/trainer/src/index.js";
import { cliReference } from "./cli-reference.js";

const sink = { write: () => true };
const program = () => createProgram({ stdout: sink, stderr: sink }, () => {});

/** The part of the page between the heading of `command` and the next heading. */
function section(page: string, command: string): string {
  const start = page.indexOf(`## backprop ${command}\n`);
  expect(start, `no section for backprop ${command}`).toBeGreaterThan(-1);
  const next = page.indexOf("\n## ", start + 1);
  return page.slice(start, next === -1 ? undefined : next);
}

describe("the CLI reference generated from the commander program", () => {
  const page = cliReference(program());

  it("has a section per command, with every option's flags, description, default and choices", () => {
    const commands = program().commands;
    expect(commands.map((c) => c.name())).toEqual([
      "train",
      "eval",
      "predict",
      "summary",
      "gradcheck",
      "lr-find",
      "config",
      "compare",
    ]);
    for (const command of commands) {
      const text = section(page, command.name());
      expect(text).toContain(command.description());
      for (const option of command.options) {
        const row = text.split("\n").find((line) => line.startsWith(`| \`${option.flags}\``));
        expect(row, `${command.name()} ${option.flags}`).toBeDefined();
        expect(row).toContain(option.description.replace(/\|/g, "\\|"));
        if (option.defaultValue !== undefined) expect(row).toContain(JSON.stringify(option.defaultValue));
        for (const choice of option.argChoices ?? []) expect(row).toContain(`\`${choice}\``);
      }
      for (const argument of command.registeredArguments) expect(text).toContain(argument.name());
    }
  });

  it("quotes what each command prints after its options (the examples)", () => {
    expect(section(page, "train")).toContain("backprop train --resume runs/my-run");
    expect(section(page, "eval")).toContain("Without --dataset, a run directory is evaluated");
    expect(section(page, "gradcheck")).toContain("δ^(l-1) = h'(a^(l-1)) ⊙ (W^(l-1))ᵀ δ^(l)");
  });

  it("shows concrete defaults: `eval --split` defaults to test, `gradcheck --batch` to 4", () => {
    expect(section(page, "eval")).toMatch(/\| `--split <split>` \| [^|]+ \| `"test"` \|/);
    expect(section(page, "gradcheck")).toMatch(/\| `--batch <n>` \| [^|]+ \| `4` \|/);
  });
});
