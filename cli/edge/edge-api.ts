/**
 * What the edge accepts, as types: its paths, the methods each one takes, and the path
 * parameters, query and JSON body of each operation, read from `paths` in edge-api.generated.ts
 * (`npm run api:types`, from the app's own /openapi.json). `ApiClient.call` takes its arguments
 * through these, so a path, method, parameter or body field the edge does not accept fails
 * `npm run typecheck` instead of a user's run. Types only: nothing here reaches the bundle.
 */
import type { z } from "zod";
import type { paths } from "./edge-api.generated.ts";

/** A path as the edge declares it, parameters in braces: `/v1/vaults/{vault}/services`. */
export type EdgePath = keyof paths;

/** The methods the CLI calls the edge with, as the document spells them. */
export type EdgeMethod = "get" | "post" | "put" | "patch" | "delete";

/** The operation `method` names on `path`; `never` when the edge has none. */
export type EdgeOperation<P extends EdgePath, M extends EdgeMethod> = Exclude<paths[P][M], undefined>;

/** The methods the edge accepts on `path`. */
export type MethodOf<P extends EdgePath> = { [M in EdgeMethod]: [EdgeOperation<P, M>] extends [never] ? never : M }[EdgeMethod];

/** Options of any call: none of them is part of the operation. */
export type CallOptions = {
  /** Overrides the client's timeout for this request (a long poll holds the answer back). */
  timeoutMs?: number;
  /** Extra request headers (e.g. `X-Vault`); Accept, Authorization and Content-Type are set by the client. */
  headers?: Record<string, string>;
  /** Abandons the request (e.g. `vault logs --follow` stopped by Ctrl+C); the timeout applies too. */
  signal?: AbortSignal;
};

/** `params`: the values of the path's `{…}` parameters, required when the path has any. */
type ParamsPart<Op> = [Op] extends [{ parameters: { path: infer Params } }] ? { params: Params } : { params?: never };

type QueryOf<Op> = [Op] extends [{ parameters: { query?: infer Query } }] ? Exclude<Query, undefined> : never;
/** `query`: the operation's query parameters (the client sends each as a string). */
type QueryPart<Op> = [QueryOf<Op>] extends [never]
  ? { query?: never }
  : [Op] extends [{ parameters: { query: object } }]
    ? { query: QueryOf<Op> }
    : { query?: QueryOf<Op> };

/** The JSON a request body or response carries; `never` for none (distributes over a union of them). */
type JsonOf<Content> = Content extends { content: { "application/json": infer Json } } ? Json : never;
type BodyOf<Op> = [Op] extends [{ requestBody?: infer Body }] ? JsonOf<Exclude<Body, undefined>> : never;
/** `body`: the operation's JSON body, required when the edge requires one. */
type BodyPart<Op> = [BodyOf<Op>] extends [never] ? { body?: never } : [Op] extends [{ requestBody: object }] ? { body: BodyOf<Op> } : { body?: BodyOf<Op> };

/** The query `method` takes on `path`, for a helper that builds one: `EdgeQuery<"/v1/agents", "get">`. */
export type EdgeQuery<P extends EdgePath, M extends MethodOf<P> & EdgeMethod> = QueryOf<EdgeOperation<P, M>>;

/** The JSON body `method` takes on `path`, for a helper that builds one. */
export type EdgeBody<P extends EdgePath, M extends MethodOf<P> & EdgeMethod> = BodyOf<EdgeOperation<P, M>>;

/** Everything a call of `Op` sends beside its method and path. */
export type CallInput<Op> = ParamsPart<Op> & QueryPart<Op> & BodyPart<Op> & CallOptions;

/** The input as a trailing argument: optional when nothing in it is required. */
export type CallArgs<Op> = object extends CallInput<Op> ? [input?: CallInput<Op>] : [input: CallInput<Op>];

type SuccessStatus = 200 | 201 | 202;
/** The JSON bodies `Op` answers with on success. */
export type SuccessBody<Op> = Op extends { responses: infer Responses }
  ? { [S in keyof Responses & SuccessStatus]: JsonOf<Responses[S]> }[keyof Responses & SuccessStatus]
  : never;

/**
 * The view a call validates its answer with must describe what the operation answers: it may
 * ignore fields it does not need, or insist on one the route leaves optional (sign-in's `token`
 * in bearer mode), but a view of another route's answer fails here.
 */
export type ViewOf<Op, View extends z.ZodType> = [SuccessBody<Op>] extends [z.input<View>]
  ? unknown
  : [z.input<View>] extends [SuccessBody<Op>]
    ? unknown
    : { "the view does not describe what this route answers": SuccessBody<Op> };
