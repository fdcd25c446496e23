// Driver for aws-local-stepfunctions (npm, 3.x), started by bffsuite.dev/shared/asltest.
//
// It listens on 127.0.0.1 (an ephemeral port, printed as {"port": N} on the first stdout line)
// and runs one state machine execution per POST /run:
//
//   request:  {"definition": {...ASL...}, "input": ..., "context": {...context object...},
//              "taskURL": "http://127.0.0.1:N/task", "retryIntervalMs": 0 | null,
//              "region": "us-east-1", "account": "123456789012"}
//   response: {"status": "SUCCEEDED" | "FAILED" | "TIMED_OUT", "output": ..., "error": "...",
//              "cause": "...", "history": [event, ...]}
//
// Every Task state (at any depth: Parallel branches, Map iterators) is bound, through the
// library's taskResourceLocalHandlers, to taskURL, which behaves like Lambda's Invoke API: the
// effective input is the body, the result is the body of a 200, and a function error is a 200
// with the header X-Amz-Function-Error and the runtime's {"errorType","errorMessage"} document.
// The driver maps that to States errors as Step Functions does for a Lambda task: the error
// name is errorType (what Retry/Catch ErrorEquals match) and the cause is the error document as
// a JSON string. A task endpoint that cannot be reached or answers non-200 is
// Lambda.ServiceException (as when the Lambda service itself fails).
//
// The library needs ASL_SFN_LIB (the aws-local-stepfunctions package directory).
//
// Node 20: the library declares node >=22 and calls Promise.withResolvers (new in Node 22) in
// its Task state; this polyfill is the whole difference it needs (AbortSignal.any is in 20.3+).

import http from 'node:http';
import { createRequire } from 'node:module';

Promise.withResolvers ??= function withResolvers() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const require = createRequire(import.meta.url);
const lib = process.env.ASL_SFN_LIB;
if (!lib) {
  console.error('driver: ASL_SFN_LIB is not set (the aws-local-stepfunctions package directory)');
  process.exit(2);
}
const { StateMachine, ExecutionTimeoutError, ExecutionAbortedError } = require(lib);

// A States error: name is what ErrorEquals matches, message the Cause.
class StatesError extends Error {
  constructor(name, cause) {
    super(cause);
    this.name = name;
  }
}

// taskStates lists the names and resources of every Task state, nested ones included.
function taskStates(definition, out = new Map()) {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    if (state.Type === 'Task') out.set(name, state.Resource);
    for (const branch of state.Branches ?? []) taskStates(branch, out);
    if (state.Iterator) taskStates(state.Iterator, out);
    if (state.ItemProcessor) taskStates(state.ItemProcessor, out);
  }
  return out;
}

// retriableStates lists the states with a Retry field, nested ones included.
function retriableStates(definition, out = []) {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    if (state.Retry) out.push(name);
    for (const branch of state.Branches ?? []) retriableStates(branch, out);
    if (state.Iterator) retriableStates(state.Iterator, out);
    if (state.ItemProcessor) retriableStates(state.ItemProcessor, out);
  }
  return out;
}

// resolvePlaceholders replaces every Task Resource that is a template placeholder
// ("${checkout_tasks_function_arn}", which Terraform replaces with a Lambda ARN) by a Lambda
// function ARN named after it, since the library's validator accepts ARNs only. Nested states too.
function resolvePlaceholders(definition, region, account) {
  for (const state of Object.values(definition.States ?? {})) {
    const m = state.Type === 'Task' && typeof state.Resource === 'string' && /^\$\{([A-Za-z0-9_-]+)\}$/.exec(state.Resource);
    if (m) state.Resource = `arn:aws:lambda:${region}:${account}:function:${m[1]}`;
    for (const branch of state.Branches ?? []) resolvePlaceholders(branch, region, account);
    if (state.Iterator) resolvePlaceholders(state.Iterator, region, account);
    if (state.ItemProcessor) resolvePlaceholders(state.ItemProcessor, region, account);
  }
  return definition;
}

async function invokeTask(taskURL, execution, state, resource, input) {
  let res, body;
  try {
    res = await fetch(taskURL, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-asl-execution': execution,
        'x-asl-state': state,
        'x-asl-resource': resource ?? '',
      },
      body: JSON.stringify(input),
    });
    body = await res.text();
  } catch (e) {
    throw new StatesError('Lambda.ServiceException', `task endpoint: ${e.cause?.message ?? e.message}`);
  }
  if (res.status !== 200) {
    throw new StatesError('Lambda.ServiceException', `task endpoint: status ${res.status}: ${body}`);
  }
  if (res.headers.get('x-amz-function-error')) {
    let doc;
    try {
      doc = JSON.parse(body);
    } catch {
      doc = { errorType: 'Lambda.Unknown', errorMessage: body };
    }
    const errorType = doc.errorType || 'Lambda.Unknown';
    throw new StatesError(errorType, JSON.stringify({ errorMessage: doc.errorMessage ?? '', errorType }));
  }
  return body === '' ? null : JSON.parse(body);
}

const machines = new Map();

async function run(req) {
  resolvePlaceholders(req.definition, req.region ?? 'us-east-1', req.account ?? '123456789012');
  const handlers = {};
  for (const [name, resource] of taskStates(req.definition)) {
    handlers[name] = (input) => invokeTask(req.taskURL, req.context?.Execution?.Id ?? '', name, resource, input);
  }
  const overrides = { taskResourceLocalHandlers: handlers };
  if (req.retryIntervalMs != null) {
    overrides.retryIntervalOverrides = Object.fromEntries(retriableStates(req.definition).map((n) => [n, req.retryIntervalMs]));
  }
  // Constructing a StateMachine validates the definition (slow: a schema compile); executions
  // of the same definition share one.
  const key = JSON.stringify(req.definition);
  let sm = machines.get(key);
  if (!sm) {
    try {
      sm = new StateMachine(req.definition, { validationOptions: { checkArn: false } });
    } catch (e) {
      return { status: 'INVALID', error: 'States.Runtime', cause: String(e.message ?? e), history: [] };
    }
    machines.set(key, sm);
  }
  const execution = sm.run(req.input ?? {}, { overrides, context: req.context ?? {} });
  const history = [];
  const collected = (async () => {
    for await (const ev of execution.eventLogs) history.push(ev);
  })();
  const out = { history };
  try {
    out.output = await execution.result;
    out.status = 'SUCCEEDED';
  } catch (e) {
    if (e instanceof ExecutionTimeoutError) out.status = 'TIMED_OUT';
    else if (e instanceof ExecutionAbortedError) out.status = 'ABORTED';
    else out.status = 'FAILED';
    out.error = e.name;
    out.cause = e.message;
  }
  await collected;
  const failed = history.find((ev) => ev.type === 'ExecutionFailed');
  if (failed) {
    out.error = failed.Error;
    out.cause = typeof failed.Cause === 'string' ? failed.Cause : JSON.stringify(failed.Cause ?? '');
  }
  return out;
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/run') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let reply;
    try {
      reply = await run(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e?.stack ?? e));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.stdin.on('end', () => process.exit(0)); // the Go side closing stdin (or dying) ends the driver
process.stdin.resume();
