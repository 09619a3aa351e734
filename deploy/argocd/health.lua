-- Argo CD health check for vpc.alicloud.io/FlowLog (flowlog-operator).
-- Install: put this script under resource.customizations.health.vpc.alicloud.io_FlowLog in argocd-cm
-- (see argocd-cm.yaml beside this file). Argo CD runs it with the live object as `obj`.
--
--   Suspended    the vpc.alicloud.io/paused annotation is "true" (or Synced says Paused)
--   Progressing  no status yet, a spec generation not yet observed, the object being deleted, the cloud
--                flow log Activating/Deactivating/Deleting, or Ready=False/Unknown for a progress reason
--   Degraded     Ready=False for a terminal reason (an Alibaba error code, e.g. Forbidden.NotAuthorized,
--                or any reason that is not a progress reason), or Synced=False with
--                ImmutableFieldMismatch / AdoptionTargetNotFound
--   Healthy      Ready=True for the observed generation

local PROGRESS_REASONS = {
  Creating = true, Activating = true, Deactivating = true, Deleting = true,
  Recreating = true, Reconciling = true, Adopted = true,
}
local TERMINAL_SYNCED_REASONS = { ImmutableFieldMismatch = true, AdoptionTargetNotFound = true }
local TRANSIENT_CLOUD_STATUS = { Activating = true, Deactivating = true, Deleting = true }

local function find_condition(status, kind)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, condition in ipairs(status.conditions) do
    if condition.type == kind then
      return condition
    end
  end
  return nil
end

local function describe(condition, fallback)
  if condition == nil then
    return fallback
  end
  local message = condition.message
  if message == nil or message == "" then
    message = fallback
  end
  if condition.reason ~= nil and condition.reason ~= "" then
    return condition.reason .. ": " .. message
  end
  return message
end

local function is_terminal_reason(reason)
  if reason == nil or reason == "" then
    return false
  end
  return string.find(reason, ".", 1, true) ~= nil or not PROGRESS_REASONS[reason]
end

local function health(obj)
  local metadata = obj.metadata or {}
  local annotations = metadata.annotations or {}
  local status = obj.status
  local ready = find_condition(status, "Ready")
  local synced = find_condition(status, "Synced")

  if annotations["vpc.alicloud.io/paused"] == "true" or (synced ~= nil and synced.reason == "Paused") then
    return "Suspended", "Reconciliation is paused by the vpc.alicloud.io/paused annotation."
  end
  if metadata.deletionTimestamp ~= nil then
    return "Progressing", "Deleting the flow log."
  end
  if status == nil or next(status) == nil then
    return "Progressing", "Waiting for the operator to report a status."
  end
  if status.observedGeneration == nil or (metadata.generation ~= nil and status.observedGeneration < metadata.generation) then
    return "Progressing", "Waiting for the operator to observe generation " .. tostring(metadata.generation) .. "."
  end
  if synced ~= nil and synced.status == "False" and TERMINAL_SYNCED_REASONS[synced.reason] then
    return "Degraded", describe(synced, "The spec cannot be applied.")
  end
  if TRANSIENT_CLOUD_STATUS[status.cloudStatus] then
    return "Progressing", "The flow log is " .. status.cloudStatus .. "."
  end
  if ready == nil then
    return "Progressing", "Waiting for the Ready condition."
  end
  if ready.status == "True" then
    return "Healthy", describe(ready, "The flow log is ready.")
  end
  if ready.status == "False" and is_terminal_reason(ready.reason) then
    return "Degraded", describe(ready, "The flow log failed.")
  end
  return "Progressing", describe(ready, "The flow log is not ready yet.")
end

local hs = {}
hs.status, hs.message = health(obj)
return hs
