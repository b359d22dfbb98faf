// Type-level proof, checked by the root `tsc --noEmit`, that @claude-foundry/sdk's surface covers @anthropic-ai/foundry-sdk's.
import type * as Official from '@anthropic-ai/foundry-sdk';
import type * as Ours from '../../src/index.ts';

/** The public members of a class instance. */
type Public<T> = { [K in keyof T]: T[K] };
type Assert<T extends true> = T;
type Extends<A, B> = [A] extends [B] ? true : false;

/** Every option the official client takes, ours takes. */
export type OptionsAccepted = Assert<Extends<Official.FoundryClientOptions, Ours.FoundryClientOptions>>;

/** Every public member of the official client exists on ours with a type usable where the official one is (withOptions returns its own class). */
export type MembersCompatible = Assert<Extends<Omit<Public<Ours.AnthropicFoundry>, 'withOptions'>, Omit<Public<Official.AnthropicFoundry>, 'withOptions'>>>;

/** withOptions takes what the official one takes. */
export type WithOptionsCompatible = Assert<Extends<Parameters<Official.AnthropicFoundry['withOptions']>, Parameters<Ours.AnthropicFoundry['withOptions']>>>;

/** The static error classes (AnthropicFoundry.APIError, …) are the same classes. */
export type StaticsCompatible = Assert<Extends<Omit<typeof Ours.AnthropicFoundry, 'prototype'>, Omit<typeof Official.AnthropicFoundry, 'prototype'>>>;

/** The default export is the client class, and BaseAnthropic is the core's. */
export type DefaultIsClient = Assert<Extends<typeof Ours.default, typeof Ours.AnthropicFoundry>>;
export type SameBase = Assert<Extends<Ours.BaseAnthropic, Official.BaseAnthropic>>;
