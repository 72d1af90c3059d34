// Execute one Amazon States Language definition with aws-local-stepfunctions, every Task state
// answered by a scripted outcome instead of the AWS service it names.
//
// stdin (JSON):  [{definition, input, context, outcomes: {StateName: [outcome, ...]}}, ...]
//   (several executions per process: starting node is the slow part)
//   outcome:     {"return": <task result>} | {"throw": {"error": "Glue.AWSGlueException", "cause": "..."}}
//   Each call of a Task state takes the next outcome of that state; a call with none left fails
//   the run with a message naming the state (so an unexpected retry or state is visible).
// stdout (JSON): one report per execution, in order:
//   {status, error, cause, output, calls: [{state, input}], events: [{type, state}]}
//   `input` is what the state would send to the service: its Parameters, evaluated (paths,
//   intrinsic functions) by the interpreter.
import { StateMachine } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3.0.0 (the version the registry serves) declares node >= 22 for one
// call, Promise.withResolvers (ES2024); CI has node 20, so supply it.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function scriptedError(error, cause) {
  const failure = new Error(cause ?? '');
  failure.name = error; // Retry and Catch match ErrorEquals against the error's name
  return failure;
}

async function execute(request) {
  const calls = [];
  const used = {};
  const handlers = {};
  const retryIntervals = {};
  for (const [name, state] of Object.entries(request.definition.States)) {
    if (state.Type !== 'Task') continue;
    retryIntervals[name] = 0; // the backoff is Step Functions' business, not this test's
    handlers[name] = async (input) => {
      calls.push({ state: name, input });
      const index = used[name] ?? 0;
      used[name] = index + 1;
      const outcome = (request.outcomes[name] ?? [])[index];
      if (outcome === undefined) {
        throw scriptedError('Harness.NoOutcome', `no outcome scripted for call ${index + 1} of ${name}`);
      }
      if (outcome.throw) throw scriptedError(outcome.throw.error, outcome.throw.cause);
      return outcome.return;
    };
  }
  const machine = new StateMachine(request.definition, {});
  const execution = machine.run(request.input, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: retryIntervals },
    context: request.context,
  });
  const events = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      events.push({ type: event.type, state: event.state?.name ?? null });
    }
  })();
  let report;
  try {
    const output = await execution.result;
    report = { status: 'SUCCEEDED', output };
  } catch (failure) {
    const root = failure.cause ?? failure; // ExecutionError wraps the Fail state's error
    report = { status: 'FAILED', error: root.name, cause: root.message };
  }
  await collecting;
  return { ...report, calls, events };
}

const reports = [];
for (const request of await readStdin()) reports.push(await execute(request));
process.stdout.write(JSON.stringify(reports));
