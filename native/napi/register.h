// One registration function per native concern; addon.cpp calls them all.
#pragma once
#include <napi.h>

namespace trtjs::napi {
void registerCapabilities(Napi::Env env, Napi::Object exports);
void registerConstants(Napi::Env env, Napi::Object exports);
void registerPinned(Napi::Env env, Napi::Object exports);
void registerOps(Napi::Env env, Napi::Object exports);
void registerTasks(Napi::Env env, Napi::Object exports);
void registerCudaOps(Napi::Env env, Napi::Object exports);
void registerCudaCompletion(Napi::Env env, Napi::Object exports);
void registerNvml(Napi::Env env, Napi::Object exports);
#ifdef TRTJS_WITH_TENSORRT
void registerBuild(Napi::Env env, Napi::Object exports);
void registerEngine(Napi::Env env, Napi::Object exports);
#endif
}  // namespace trtjs::napi
