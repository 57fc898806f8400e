/**
 * Which packages a changeset must release, by the rules changesets applies with
 * .changeset/config.json: the packages it names, plus (transitively) every package not in `ignore`
 * that depends on a released one through `dependencies`, `optionalDependencies` or
 * `peerDependencies` and whose range the new version leaves (`workspace:^` is `^` + the current
 * version, `workspace:*` the exact current version); such a dependent gets a patch release, and
 * its range is rewritten (`updateInternalDependencies`). devDependencies never release a dependent.
 * Peer dependents, `fixed` and `linked` groups and the experimental options are not modelled: the
 * rehearsal refuses a workspace or config that would need them.
 */
const RELEASING_FIELDS = ["dependencies", "optionalDependencies", "peerDependencies"];

const parse = (version) => {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`release:rehearse: version ${version} is not x.y.z`);
  return match.slice(1).map(Number);
};

/** `version` bumped by `type` ("patch", "minor" or "major"). */
export function increment(version, type) {
  const [major, minor, patch] = parse(version);
  if (type === "major") return `${major + 1}.0.0`;
  if (type === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** Whether `version` satisfies `range`: an exact x.y.z, ^x.y.z or ~x.y.z (the ranges this workspace uses). */
export function satisfies(version, range) {
  const [operator, base] = /^[\^~]/.test(range) ? [range[0], range.slice(1)] : ["", range];
  const [v, b] = [parse(version), parse(base)];
  const atLeast = v[0] !== b[0] ? v[0] > b[0] : v[1] !== b[1] ? v[1] > b[1] : v[2] >= b[2];
  if (operator === "") return version === base;
  if (operator === "~") return atLeast && v[0] === b[0] && v[1] === b[1];
  // ^: the leftmost non-zero part may not change.
  if (b[0] > 0) return atLeast && v[0] === b[0];
  if (b[1] > 0) return atLeast && v[0] === 0 && v[1] === b[1];
  return version === base;
}

/** The range a dependent declares on `dependency` (at `version`), with `workspace:` resolved as changesets does. */
function resolvedRange(range, version) {
  if (!range.startsWith("workspace:")) return range;
  const rest = range.slice("workspace:".length);
  if (rest === "*") return version;
  if (rest === "^" || rest === "~") return `${rest}${version}`;
  return rest;
}

/**
 * `manifests`: every workspace manifest; `released`: `{ name: "patch" | "minor" | "major" }` as the
 * changeset says; `config`: the parsed .changeset/config.json. Returns `{ name: newVersion }` for
 * every package the version step must bump.
 */
export function expectedReleases(manifests, released, config) {
  if ((config.fixed ?? []).length > 0 || (config.linked ?? []).length > 0) {
    throw new Error(
      "release:rehearse: .changeset/config.json uses fixed or linked groups, which it does not model",
    );
  }
  const byName = new Map(manifests.map((m) => [m.name, m]));
  const ignored = new Set(config.ignore ?? []);
  const types = new Map(Object.entries(released));
  const queue = [...types.keys()];
  while (queue.length > 0) {
    const name = queue.shift();
    const { version } = byName.get(name);
    const next = increment(version, types.get(name));
    for (const dependent of manifests) {
      if (types.has(dependent.name) || ignored.has(dependent.name)) continue;
      for (const field of RELEASING_FIELDS) {
        const range = dependent[field]?.[name];
        if (range === undefined) continue;
        if (field === "peerDependencies") {
          throw new Error(
            `release:rehearse: ${dependent.name} has a peer dependency on ${name}, which it does not model`,
          );
        }
        if (!satisfies(next, resolvedRange(range, version))) {
          types.set(dependent.name, "patch");
          queue.push(dependent.name);
        }
      }
    }
  }
  return Object.fromEntries(
    [...types.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, type]) => [name, increment(byName.get(name).version, type)]),
  );
}
