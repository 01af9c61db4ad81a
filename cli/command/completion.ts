/**
 * Shell completion scripts for bash, zsh and fish, generated from the command declarations: the
 * command words, each command's options and, for an option whose schema is a fixed list (an
 * enum), its values. Nothing is written per command, so a new command or flag completes as soon
 * as it is declared. Each script finds the command typed so far by walking the declared words,
 * then offers the next words, the options, or an option's values.
 */
import type { Command } from "./command.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** The words typed so far, as the scripts key them: "edgevault", "edgevault vault", … */
type Node = {
  key: string;
  /** The words that can follow, each with a one-line description. */
  children: { word: string; description: string }[];
  command?: Command;
};

/** Every prefix of every command path as a node of the command tree, the root first. */
function commandTree(commands: readonly Command[]): Node[] {
  const nodes = new Map<string, Node>([["edgevault", { key: "edgevault", children: [] }]]);
  for (const command of commands) {
    for (let n = 1; n <= command.path.length; n += 1) {
      const parent = ["edgevault", ...command.path.slice(0, n - 1)].join(" ");
      const key = ["edgevault", ...command.path.slice(0, n)].join(" ");
      const word = command.path[n - 1] ?? "";
      if (!nodes.has(key)) {
        nodes.set(key, { key, children: [] });
        nodes.get(parent)?.children.push({ word, description: "" });
      }
      if (n === command.path.length) {
        const node = nodes.get(key);
        if (node) node.command = command;
      }
    }
  }
  // A word's description: the command's summary, or for a group the words under it.
  for (const node of nodes.values()) {
    for (const child of node.children) {
      const target = nodes.get(`${node.key} ${child.word}`);
      child.description = target?.command?.summary ?? `${target?.children.map((c) => c.word).join(", ")}`;
    }
  }
  return [...nodes.values()];
}

/** Options as the scripts offer them, `--help` included. */
function optionsOf(node: Node) {
  const declared = node.command?.options ?? [];
  return [...declared, { name: "help", short: "h", description: "Show this help", takesValue: false, values: [] as readonly string[] }];
}

/** One line, at most 100 characters: descriptions are shown in a menu. */
function short(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}

/** A single-quoted word for bash and zsh. */
const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
/** A single-quoted word for fish, where only \ and ' are special inside. */
const fq = (text: string) => `'${text.replace(/[\\']/g, (ch) => `\\${ch}`)}'`;

/**
 * The `case` statements shared by bash and zsh: the words after a node, the options of a node,
 * whether an option takes a value, and the values of an option.
 */
function posixHelpers(nodes: Node[], described: boolean): string {
  const words = nodes.filter((n) => n.children.length > 0).map((n) => `    ${sq(n.key)}) printf '%s\\n' ${n.children.map((c) => sq(c.word)).join(" ")} ;;`);
  const descriptions = nodes
    .filter((n) => n.children.length > 0)
    .map((n) => `    ${sq(n.key)}) printf '%s\\n' ${n.children.map((c) => sq(`${c.word}:${short(c.description)}`)).join(" ")} ;;`);
  const commands = nodes.filter((n) => n.command);
  const options = commands.map(
    (n) =>
      `    ${sq(n.key)}) printf '%s\\n' ${optionsOf(n)
        .map((o) => sq(described ? `--${o.name}:${short(o.description)}` : `--${o.name}`))
        .join(" ")} ;;`,
  );
  const valued = commands.flatMap((n) =>
    optionsOf(n)
      .filter((o) => o.takesValue)
      .flatMap((o) => [`${n.key}|--${o.name}`, ...(o.short ? [`${n.key}|-${o.short}`] : [])]),
  );
  const values = commands.flatMap((n) =>
    optionsOf(n)
      .filter((o) => o.values.length > 0)
      .flatMap((o) =>
        [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])].map((flag) => `    ${sq(`${n.key}|${flag}`)}) printf '%s\\n' ${o.values.map(sq).join(" ")} ;;`),
      ),
  );
  return `_edgevault_words() {
  case "$1" in
${words.join("\n")}
  esac
}
${
  described
    ? `
_edgevault_described_words() {
  case "$1" in
${descriptions.join("\n")}
  esac
}
`
    : ""
}
_edgevault_options() {
  case "$1" in
${options.join("\n")}
  esac
}

_edgevault_takes_value() {
  case "$1|$2" in
${valued.length > 0 ? `    ${valued.map(sq).join("|")}) return 0 ;;` : ""}
  esac
  return 1
}

_edgevault_values() {
  case "$1|$2" in
${values.join("\n")}
  esac
}`;
}

function bash(nodes: Node[]): string {
  return `# edgevault completion for bash, generated from the CLI's command declarations.
# Load it in ~/.bashrc:  source <(edgevault completion bash)

${posixHelpers(nodes, false)}

_edgevault() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" cmd="edgevault" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ $'\\n'"$(_edgevault_words "$cmd")"$'\\n' == *$'\\n'"$word"$'\\n'* ]]; then cmd="$cmd $word"; else break; fi
  done
  ((COMP_CWORD > 1)) && prev="\${COMP_WORDS[COMP_CWORD - 1]}"
  local IFS=$'\\n'
  if [[ $prev == -* ]] && _edgevault_takes_value "$cmd" "$prev"; then
    COMPREPLY=($(compgen -W "$(_edgevault_values "$cmd" "$prev")" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_edgevault_options "$cmd")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_edgevault_words "$cmd")" -- "$cur"))
  fi
}

complete -o default -F _edgevault edgevault
`;
}

function zsh(nodes: Node[]): string {
  // \`path\` is zsh's array tied to PATH: the command typed so far is \`cmd\` here.
  return `#compdef edgevault
# edgevault completion for zsh, generated from the CLI's command declarations.
# Load it in ~/.zshrc (after compinit):  source <(edgevault completion zsh)
# or save it as _edgevault in a directory of your $fpath.

${posixHelpers(nodes, true)}

_edgevault() {
  local cmd="edgevault" word i
  local -a known entries values
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    known=("\${(@f)$(_edgevault_words "$cmd")}")
    if (( \${known[(Ie)$word]} )); then cmd="$cmd $word"; else break; fi
  done
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}"
  if (( CURRENT > 2 )) && [[ $prev == -* ]] && _edgevault_takes_value "$cmd" "$prev"; then
    values=("\${(@f)$(_edgevault_values "$cmd" "$prev")}")
    values=(\${values:#})
    if (( \${#values} )); then compadd -a values; else _files; fi
    return
  fi
  if [[ $cur == -* ]]; then
    entries=("\${(@f)$(_edgevault_options "$cmd")}")
  else
    entries=("\${(@f)$(_edgevault_described_words "$cmd")}")
  fi
  entries=(\${entries:#})
  if (( \${#entries} )); then _describe -t commands edgevault entries; else _files; fi
}

if [[ "\${funcstack[1]}" == "_edgevault" ]]; then
  _edgevault "$@"
else
  compdef _edgevault edgevault
fi
`;
}

function fish(nodes: Node[]): string {
  const words = nodes
    .filter((n) => n.children.length > 0)
    .map((n) => `        case ${fq(n.key)}\n            printf '%s\\n' ${n.children.map((c) => fq(c.word)).join(" ")}`);
  const lines: string[] = [];
  for (const node of nodes) {
    const at = `-n ${fq(`__edgevault_at ${fq(node.key)}`)}`;
    for (const child of node.children) lines.push(`complete -c edgevault ${at} -a ${fq(child.word)} -d ${fq(short(child.description))}`);
    if (!node.command) continue;
    for (const option of optionsOf(node)) {
      const flags = `-l ${option.name}${option.short ? ` -s ${option.short}` : ""}`;
      const value = !option.takesValue ? "" : option.values.length > 0 ? ` -x -a ${fq(option.values.join(" "))}` : " -r -F";
      lines.push(`complete -c edgevault ${at} ${flags}${value} -d ${fq(short(option.description))}`);
    }
  }
  return `# edgevault completion for fish, generated from the CLI's command declarations.
# Load it:  edgevault completion fish > ~/.config/fish/completions/edgevault.fish

function __edgevault_words
    switch $argv[1]
${words.join("\n")}
    end
end

# The command typed so far: "edgevault", "edgevault vault", "edgevault vault credential", …
function __edgevault_command
    set -l tokens (commandline -opc)
    set -l cmd edgevault
    for word in $tokens[2..-1]
        if contains -- $word (__edgevault_words $cmd)
            set cmd "$cmd $word"
        else
            break
        end
    end
    echo $cmd
end

function __edgevault_at
    test (__edgevault_command) = $argv[1]
end

complete -c edgevault -f
${lines.join("\n")}
`;
}

/**
 * The completion script for `shell`, from these commands.
 * @example
 * completionScript("bash", COMMANDS) // "# edgevault completion for bash …complete -o default -F _edgevault edgevault\n"
 */
export function completionScript(shell: Shell, commands: readonly Command[]): string {
  const nodes = commandTree(commands);
  switch (shell) {
    case "bash":
      return bash(nodes);
    case "zsh":
      return zsh(nodes);
    case "fish":
      return fish(nodes);
  }
}
