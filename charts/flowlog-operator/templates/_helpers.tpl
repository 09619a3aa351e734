{{/* Chart name, truncated to fit label values. */}}
{{- define "flowlog-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: the release name, suffixed with the chart name unless it already contains it. */}}
{{- define "flowlog-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "flowlog-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "flowlog-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flowlog-operator
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "flowlog-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flowlog-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "flowlog-operator.emulatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "flowlog-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: emulator
{{- end -}}

{{- define "flowlog-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "flowlog-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "flowlog-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "flowlog-operator.emulatorName" -}}
{{- printf "%s-emulator" (include "flowlog-operator.fullname" .) -}}
{{- end -}}

{{/* The Secret the operator's AccessKey comes from ("" for RRSA and none). */}}
{{- define "flowlog-operator.credentialsSecret" -}}
{{- if .Values.emulator.enabled -}}
{{- printf "%s-emulator-credentials" (include "flowlog-operator.fullname" .) -}}
{{- else if eq .Values.credentials.source "existingSecret" -}}
{{- .Values.credentials.existingSecret.name -}}
{{- else if eq .Values.credentials.source "secret" -}}
{{- printf "%s-credentials" (include "flowlog-operator.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* True when the chart itself must set the RRSA variables and mount the OIDC token. */}}
{{- define "flowlog-operator.rrsaByChart" -}}
{{- if and (not .Values.emulator.enabled) (eq .Values.credentials.source "rrsa") (not .Values.credentials.rrsa.podIdentityWebhook) -}}
true
{{- end -}}
{{- end -}}

{{- define "flowlog-operator.rrsaTokenDir" -}}
/var/run/secrets/ack.alibabacloud.com/rrsa-tokens
{{- end -}}

{{/*
Rules across values that the JSON schema cannot say well; each failure names the values to change.
*/}}
{{- define "flowlog-operator.validate" -}}
{{- $c := .Values.credentials -}}
{{- if not .Values.emulator.enabled -}}
{{- if and (eq $c.source "secret") (or (not $c.secret.accessKeyId) (not $c.secret.accessKeySecret)) -}}
{{- fail "credentials.source=secret needs credentials.secret.accessKeyId and credentials.secret.accessKeySecret (for production prefer credentials.source=existingSecret or rrsa)" -}}
{{- end -}}
{{- if and (eq $c.source "rrsa") $c.rrsa.podIdentityWebhook .Values.serviceAccount.create (not $c.rrsa.roleName) (not (hasKey .Values.serviceAccount.annotations "pod-identity.alibabacloud.com/role-name")) -}}
{{- fail "credentials.source=rrsa needs credentials.rrsa.roleName (the RAM role the pod-identity webhook makes the ServiceAccount assume)" -}}
{{- end -}}
{{- if and (eq $c.source "rrsa") (not $c.rrsa.podIdentityWebhook) (or (not $c.rrsa.roleArn) (not $c.rrsa.oidcProviderArn)) -}}
{{- fail "credentials.rrsa.podIdentityWebhook=false needs credentials.rrsa.roleArn and credentials.rrsa.oidcProviderArn (the webhook would otherwise inject them)" -}}
{{- end -}}
{{- if and (hasPrefix "http://" .Values.cloud.vpcEndpoint) (not .Values.cloud.allowInsecureEndpoint) -}}
{{- fail "cloud.vpcEndpoint is plain http://: set cloud.allowInsecureEndpoint=true (emulators only) or use https://" -}}
{{- end -}}
{{- else if .Values.cloud.vpcEndpoint -}}
{{- fail "emulator.enabled=true points the operator at the in-cluster emulator: leave cloud.vpcEndpoint empty" -}}
{{- end -}}
{{- $election := .Values.leaderElection -}}
{{- if and (gt (int .Values.replicaCount) 1) (not $election.enabled) -}}
{{- fail (printf "replicaCount=%v needs leaderElection.enabled=true: without the Lease every replica would reconcile the same FlowLogs" .Values.replicaCount) -}}
{{- end -}}
{{- if and $election.enabled (ge (float64 $election.renewDeadlineSeconds) (float64 $election.leaseSeconds)) -}}
{{- fail "leaderElection.renewDeadlineSeconds must be shorter than leaderElection.leaseSeconds (a leader must stop before its lease can pass to another)" -}}
{{- end -}}
{{- if and $election.enabled (ge (float64 $election.retrySeconds) (float64 $election.renewDeadlineSeconds)) -}}
{{- fail "leaderElection.retrySeconds must be shorter than leaderElection.renewDeadlineSeconds (a leader must get to renew before it has to stop)" -}}
{{- end -}}
{{- if and (not .Values.serviceAccount.create) (not .Values.serviceAccount.name) -}}
{{- fail "serviceAccount.create=false needs serviceAccount.name (the existing ServiceAccount to run as)" -}}
{{- end -}}
{{- end -}}
