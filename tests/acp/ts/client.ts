// A small ACP client on the official TypeScript SDK: runs `burro acp` (argv after the
// plan), follows a plan given as JSON, and prints what it saw as one JSON object.
//
//   node dist/client.js '{"cwd": "...", "prompts": ["hi"]}' burro acp -c ...
//
// Plan: cwd, prompts (run in order), mode (session/set_mode first), answers (option ids
// for permission requests, in order), cancelOn (a tool call id: cancel when it starts),
// load (a session id: session/load instead of session/new).
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";

type Plan = {
  cwd: string;
  prompts: string[];
  mode?: string;
  answers?: string[];
  cancelOn?: string;
  load?: string;
};

const plan = JSON.parse(process.argv[2]) as Plan;
const [command, ...args] = process.argv.slice(3);
const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
const stream = acp.ndJsonStream(
  Writable.toWeb(child.stdin!) as WritableStream<Uint8Array>,
  Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>,
);

const updates: acp.SessionUpdate[] = [];
const asked: acp.ToolCallUpdate[] = [];
const answers = [...(plan.answers ?? [])];
let sessionId = "";
let cancelled = false;

const app = acp
  .client({ name: "burro-ts-test" })
  .onNotification(acp.methods.client.session.update, async ({ params, agent }) => {
    updates.push(params.update);
    const u = params.update;
    if (plan.cancelOn && !cancelled && u.sessionUpdate === "tool_call" && u.toolCallId === plan.cancelOn) {
      cancelled = true;
      await agent.notify(acp.methods.agent.session.cancel, { sessionId: params.sessionId });
    }
  })
  .onRequest(acp.methods.client.session.requestPermission, async ({ params }) => {
    asked.push(params.toolCall);
    const answer = answers.shift() ?? "cancelled";
    if (answer === "cancelled") return { outcome: { outcome: "cancelled" } };
    return { outcome: { outcome: "selected", optionId: answer } };
  });

const result = await app.connectWith(stream, async (agent) => {
  const init = await agent.request(acp.methods.agent.initialize, {
    protocolVersion: acp.PROTOCOL_VERSION,
    clientCapabilities: {},
  });
  if (plan.load) {
    await agent.request(acp.methods.agent.session.load, {
      sessionId: plan.load,
      cwd: plan.cwd,
      mcpServers: [],
    });
    sessionId = plan.load;
  } else {
    const created = await agent.request(acp.methods.agent.session.new, { cwd: plan.cwd, mcpServers: [] });
    sessionId = created.sessionId;
  }
  if (plan.mode) {
    await agent.request(acp.methods.agent.session.setMode, { sessionId, modeId: plan.mode });
  }
  const stopReasons: string[] = [];
  for (const text of plan.prompts) {
    const resp = await agent.request(acp.methods.agent.session.prompt, {
      sessionId,
      prompt: [{ type: "text", text }],
    });
    stopReasons.push(resp.stopReason);
  }
  return { agent: init.agentInfo?.name, loadSession: init.agentCapabilities?.loadSession, sessionId, stopReasons };
});

process.stdout.write(JSON.stringify({ ...result, updates, asked }) + "\n");
child.stdin!.end();
await new Promise((resolve) => child.on("exit", resolve));
