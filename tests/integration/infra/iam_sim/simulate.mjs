// Evaluates IAM requests with @cloud-copilot/iam-simulate (a real IAM policy evaluation engine:
// identity + resource policies, every condition operator, KMS key-policy delegation).
// stdin: {"requests": [{id, principal, action, resource, accountId, context,
//                        identityPolicies: [{name, policy}], resourcePolicy}]}
// stdout: {"results": [{id, result, denial?}]} where result is Allowed, ImplicitlyDenied,
// ExplicitlyDenied or Error (the simulator refused the request: bad ARN for the action...).
//
// A context key the simulator does not list for the action is reported as an Error, never
// silently dropped (see the encryption-context note below).
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const { requests } = JSON.parse(Buffer.concat(chunks).toString('utf8'))

// The simulator knows a templated key, `kms:EncryptionContext:${EncryptionContextKey}`, but
// matches only its literal name. The request's one encryption-context key and the conditions
// on that same key are renamed to it; conditions on other encryption-context keys keep their
// names, which the request lacks, exactly as in AWS.
const EC_PREFIX = 'kms:encryptioncontext:'
const EC_TEMPLATE = 'kms:EncryptionContext:${EncryptionContextKey}'

function renameConditionKeys(policy, key) {
  if (!policy || !key) return policy
  const copy = structuredClone(policy)
  const statements = Array.isArray(copy.Statement) ? copy.Statement : [copy.Statement]
  for (const statement of statements) {
    for (const operator of Object.keys(statement.Condition || {})) {
      statement.Condition[operator] = Object.fromEntries(
        Object.entries(statement.Condition[operator]).map(([k, v]) =>
          [k.toLowerCase() === key.toLowerCase() ? EC_TEMPLATE : k, v]))
    }
  }
  return copy
}

const results = []
for (const r of requests) {
  const ecKeys = Object.keys(r.context || {}).filter((k) => k.toLowerCase().startsWith(EC_PREFIX))
  if (ecKeys.length > 1) throw new Error(`one encryption-context key per request: ${ecKeys}`)
  const ecKey = ecKeys[0]
  const context = Object.fromEntries(Object.entries(r.context || {}).map(([k, v]) => [k === ecKey ? EC_TEMPLATE : k, v]))
  const simulation = {
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: r.accountId },
      contextVariables: context
    },
    identityPolicies: (r.identityPolicies || []).map((p) => ({ name: p.name, policy: renameConditionKeys(p.policy, ecKey) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: renameConditionKeys(r.resourcePolicy, ecKey) || undefined
  }
  const response = await runSimulation(simulation, {})
  const ignored = response.result?.ignoredContextKeys || []
  if (response.resultType === 'error') {
    results.push({ id: r.id, result: 'Error', denial: JSON.stringify(response.errors) })
  } else if (ignored.length) {
    results.push({ id: r.id, result: 'Error', denial: `context keys the simulator ignored: ${ignored}` })
  } else {
    results.push({ id: r.id, result: response.overallResult })
  }
}
process.stdout.write(JSON.stringify({ results }))
