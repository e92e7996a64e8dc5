import { z } from 'zod';
import { InputError } from '../errors.js';
import { expandVersions } from './versions.js';
import type { Adapter, InstrumentationConfig, Intake, IntakeCounts } from './types.js';

/**
 * Several agents in one service, as teams ship them (Datadog for APM and Sentry for errors in the same process):
 * `- stack: [{ datadog: {…} }, { sentry: {…} }]`. Each member is expanded by its own adapter, preloaded in the order
 * listed and given its own intake. Counts are kept per member (`datadog@1/spans`) as well as summed, so each vendor
 * bills its own volumes. Built from the vendor adapters it is given, so it names none of them.
 */
export function stackAdapter(vendors: readonly Adapter[]): Adapter {
  const entrySchema = z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.@:+-]+$/, { message: 'expected a name of letters, digits and _.@:+-' }).optional(),
    stack: z.array(z.union(vendors.map((v) => v.entrySchema) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])).min(2, { message: 'a stack needs two or more agents' }),
  }).meta({ title: 'Agents stacked in one process' });
  const memberOf = (entry: unknown) => vendors.find((v) => v.matches(entry))!;

  return {
    kind: 'stack',
    label: 'Stacked agents',
    // A stack's roles are its members' (claims look them up per config).
    roles: [],
    packages: [],
    entrySchema,
    matches: (entry) => typeof entry === 'object' && entry !== null && 'stack' in entry,
    bill: (input) => {
      const members = (input.measure.options?.members ?? []) as StackMember[];
      return members.flatMap((member) => {
        const part = input.measure.parts?.[member.name];
        const bill = vendors.find((v) => v.kind === member.kind)?.bill;
        if (!bill || !part) return [];
        const measure = { ...input.measure, ...part, kind: member.kind, options: member.options, sampleRate: member.sampleRate };
        return bill({ ...input, measure }).map((line) => ({ ...line, label: `${line.label} (${member.name})` }));
      });
    },
    expand(entry, ctx) {
      const parsed = entry as z.output<typeof entrySchema>;
      const members = parsed.stack.map((member, index) => {
        const configs = expandVersions(memberOf(member), member as Record<string, unknown>, ctx);
        if (configs.length !== 1) {
          throw new InputError(`stack.${index}: expands to ${configs.length} configs (${configs.map((c) => c.name).join(', ')}); ` +
            'a stack takes one config per agent: give one sample rate and no ladder');
        }
        return configs[0]!;
      });
      const names = members.map((m) => m.name);
      if (new Set(members.map((m) => m.kind)).size !== members.length) throw new InputError(`stack: each agent once (got ${names.join(', ')})`);
      const env: Record<string, string> = {};
      for (const member of members) {
        for (const [key, value] of Object.entries(member.env)) {
          if (key in env && env[key] !== value) throw new InputError(`stack: ${key} is set to "${env[key]}" and "${value}" by two members`);
          env[key] = value;
        }
      }
      const record: StackMember[] = members.map((m) => ({ name: m.name, kind: m.kind, options: m.options, ...(m.sampleRate !== undefined ? { sampleRate: m.sampleRate } : {}) }));
      const config: InstrumentationConfig = {
        name: parsed.name ?? names.join('+'),
        kind: 'stack',
        preloads: members.flatMap((m) => m.preloads),
        env,
        nodeOptions: members.flatMap((m) => m.nodeOptions),
        options: { members: record },
        members,
        periodsMs: members.flatMap((m) => m.periodsMs ?? []),
        createIntake: () => stackIntake(members),
        validate: (counts, requests) => members.flatMap((m) => (m.validate?.(counts && memberCounts(counts, m.name), requests) ?? []).map((why) => `${m.name}: ${why}`)),
      };
      return [config];
    },
  };
}

export interface StackMember {
  name: string;
  kind: string;
  options: Record<string, unknown>;
  sampleRate?: number;
}

/** One member's own counts out of the stack's (`datadog@1/spans` → `spans`). */
export function memberCounts(counts: IntakeCounts, member: string): IntakeCounts {
  const prefix = `${member}/`;
  const items: Record<string, number> = {};
  for (const [key, value] of Object.entries(counts.items)) if (key.startsWith(prefix)) items[key.slice(prefix.length)] = value;
  const { payloads = 0, payloadBytes = 0, ...rest } = items;
  return { payloads, payloadBytes, items: rest };
}

/** Every member's intake at once; its counts summed, and each member's under its name. */
async function stackIntake(members: readonly InstrumentationConfig[]): Promise<Intake> {
  const intakes = await Promise.all(members.map(async (m) => ({ name: m.name, intake: m.createIntake ? await m.createIntake({ fault: m.intakeFault }) : undefined })));
  const live = intakes.filter((i): i is { name: string; intake: Intake } => i.intake !== undefined);
  return {
    env: Object.assign({}, ...live.map((i) => i.intake.env)) as Record<string, string>,
    attachTarget: (url) => { for (const i of live) i.intake.attachTarget?.(url); },
    startWindow: () => { for (const i of live) i.intake.startWindow(); },
    endWindow: () => { for (const i of live) i.intake.endWindow(); },
    caughtUp: () => live.every((i) => i.intake.caughtUp()),
    snapshot: () => {
      const total: IntakeCounts = { payloads: 0, payloadBytes: 0, items: {} };
      for (const { name, intake } of live) {
        const counts = intake.snapshot();
        total.payloads += counts.payloads;
        total.payloadBytes += counts.payloadBytes;
        total.items[`${name}/payloads`] = counts.payloads;
        total.items[`${name}/payloadBytes`] = counts.payloadBytes;
        for (const [kind, n] of Object.entries(counts.items)) {
          total.items[kind] = (total.items[kind] ?? 0) + n;
          total.items[`${name}/${kind}`] = n;
        }
      }
      return total;
    },
    close: async () => { await Promise.all(live.map((i) => i.intake.close())); },
  };
}
