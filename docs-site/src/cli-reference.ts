/**
 * The CLI reference page, generated from the commander program itself (its commands, arguments,
 * options, defaults, choices and help texts), so the page cannot drift from the `backprop` CLI.
 */
import type { createProgram } from "../../apps/trainer/src/index.js";

/** commander's types, as the trainer's own commander version defines them. */
type Command = ReturnType<typeof createProgram>;
type Option = Command["options"][number];
type Argument = Command["registeredArguments"][number];

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

function defaultOf(item: Option | Argument): string {
  if (item.defaultValueDescription !== undefined) return item.defaultValueDescription;
  if (item.defaultValue === undefined) return "";
  return code(JSON.stringify(item.defaultValue));
}

function argumentsTable(command: Command): string[] {
  if (command.registeredArguments.length === 0) return [];
  return [
    "| argument | description | default |",
    "|---|---|---|",
    ...command.registeredArguments.map(
      (arg) =>
        `| ${code(arg.required ? `<${arg.name()}>` : `[${arg.name()}]`)} | ${cell(arg.description)} | ${defaultOf(arg)} |`,
    ),
    "",
  ];
}

function optionsTable(command: Command): string[] {
  const options = command.options.filter((option) => !option.hidden);
  if (options.length === 0) return [];
  return [
    "| option | description | default | choices |",
    "|---|---|---|---|",
    ...options.map(
      (option) =>
        `| ${code(option.flags)}${option.mandatory ? " (required)" : ""} | ${cell(option.description)} | ${defaultOf(option)} | ${(option.argChoices ?? []).map(code).join(", ")} |`,
    ),
    "",
  ];
}

/** What `command --help` prints after the generated help (examples, notes added with addHelpText). */
function helpTextAfter(command: Command): string {
  let printed = "";
  const original = command.configureOutput();
  command.configureOutput({ ...original, writeOut: (text) => (printed += text) });
  command.outputHelp();
  command.configureOutput(original);
  const generated = command.helpInformation();
  return printed.startsWith(generated) ? printed.slice(generated.length).trim() : "";
}

function commandSection(program: Command, command: Command): string[] {
  const after = helpTextAfter(command);
  return [
    `## ${program.name()} ${command.name()}`,
    "",
    command.description(),
    "",
    "```sh",
    `${program.name()} ${command.name()} ${command.usage()}`,
    "```",
    "",
    ...argumentsTable(command),
    ...optionsTable(command),
    ...(after === "" ? [] : ["```text", after, "```", ""]),
  ];
}

/**
 * The Markdown reference of `program`: its description and global options, then one section per
 * subcommand with its usage, arguments, options (flags, description, default, choices) and the
 * help text it prints after them.
 */
export function cliReference(program: Command, title = `${program.name()} CLI reference`): string {
  return [
    "---",
    `title: ${title}`,
    "---",
    "",
    `# ${title}`,
    "",
    program.description(),
    "",
    `Generated from the CLI's own command definitions: \`${program.name()} <command> --help\` prints the same.`,
    "",
    "| command | what it does |",
    "|---|---|",
    ...program.commands.map(
      (c) =>
        `| [${code(`${program.name()} ${c.name()}`)}](#${program.name()}-${c.name()}) | ${cell(c.description())} |`,
    ),
    "",
    ...optionsTable(program),
    ...program.commands.flatMap((command) => commandSection(program, command)),
  ].join("\n");
}
