/**
 * `bench:profile-edge -- --native` charges each sample of the Worker's runtime to what drove it
 * (bench/native-profile.ts `driverOf`): the nearest runtime API below the JavaScript that called
 * it, the JavaScript itself when there is none, or nothing JavaScript drove. Stacks here are
 * innermost first, as `perf script` prints them.
 */
import { describe, expect, it } from "vitest";
import { driverOf } from "../../bench/native-profile.ts";

const JS = "workerd::jsg::Lock::runMicrotasks(v8::Isolate*)";

describe("a perf sample is charged to what drove it", () => {
  it("to the runtime API nearest below the JavaScript, however deep its C++ and malloc go", () => {
    const stack = [
      "tcmalloc::alloc",
      "kj::HttpClient::request",
      "workerd::api::fetchImpl(...)",
      "Builtins_CallApiCallbackGeneric",
      "[unknown]",
      JS,
      "kj::EventLoop::run",
    ];
    expect(driverOf(stack)).toBe("fetch, Request, Response, streams, Headers");
    expect(driverOf(["memcpy", "workerd::jsg::Serializer::write(...)", "workerd::api::JsRpcProperty::call(...)", JS])).toBe(
      "Durable Object calls (RPC, arguments and results)",
    );
    expect(driverOf(["sqlite3VdbeExec", "workerd::SqliteDatabase::Query::nextRow()", JS])).toBe("SQLite (local D1, Durable Object storage)");
    expect(driverOf(["ED25519_sign", "workerd::api::SubtleCrypto::sign(...)", JS])).toBe("crypto.subtle, TextEncoder");
    expect(driverOf(["workerd::IoContext::TimeoutManagerImpl::setTimeout(...)", JS])).toBe("timers");
    expect(driverOf(["workerd::api::url::URL::URL(...)", JS])).toBe("other runtime APIs");
  });

  it("to the JavaScript when no runtime API is below it, the V8 runtime it drives included", () => {
    expect(driverOf(["v8::internal::LookupIterator::LookupInRegularHolder", "Builtins_LoadICGenericBaseline", "[unknown]", JS])).toBe(
      "JavaScript, and the V8 runtime it drives, with no runtime API below it",
    );
    // An API called from further out does not claim JavaScript that runs inside a callback of its own.
    expect(driverOf(["Builtins_StringAdd", "workerd::jsg::FunctionWrapper<...>::call", "workerd::api::ReadableStream::pipeTo"])).toBe(
      "JavaScript, and the V8 runtime it drives, with no runtime API below it",
    );
  });

  it("to what the stack holds when no JavaScript is on it: V8's compiler, GC, RPC, HTTP, or the event loop", () => {
    expect(driverOf(["v8::internal::maglev::MaglevCompilationJob::ExecuteJobImpl", "v8::platform::DefaultJobWorker::Run"])).toBe(
      "no JavaScript: V8 compiling (its helper threads)",
    );
    expect(driverOf(["v8::internal::Scavenger::ScavengePage", "v8::internal::ScavengerJobTask::Run"])).toBe("no JavaScript: garbage collection");
    expect(driverOf(["memcpy", "capnp::_::PointerBuilder::setBlob", "kj::EventLoop::run"])).toBe("no JavaScript: Cap'n Proto (Durable Object calls, local D1)");
    expect(driverOf(["kj::HttpInputStreamImpl::readHeaders", "kj::EventLoop::run"])).toBe(
      "no JavaScript: HTTP on the event loop (requests in and out, local D1)",
    );
    expect(driverOf(["finish_task_switch", "schedule", "epoll_wait", "kj::UnixEventPort::wait"])).toBe("no JavaScript: the event loop, the kernel, other");
  });
});
