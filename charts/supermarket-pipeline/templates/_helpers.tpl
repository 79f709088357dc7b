{{- /* Every object is named from the release, so two releases in one cluster do not collide. With the usual
release name `supermarket` the names are supermarket-data, supermarket-tasks, supermarket-pipeline... */ -}}
{{- define "supermarket.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end }}

{{- define "supermarket.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: supermarket-pipeline
{{- end }}

{{- define "supermarket.taskNamespace" -}}
{{- .Values.taskNamespace.name | default (printf "%s-tasks" (include "supermarket.fullname" .)) -}}
{{- end }}

{{- define "supermarket.taskServiceAccount" -}}
{{- .Values.taskServiceAccount.name | default (printf "%s-task" (include "supermarket.fullname" .)) -}}
{{- end }}

{{- define "supermarket.launcher" -}}
{{- .Values.externalLauncher.name | default (printf "%s-launcher" (include "supermarket.fullname" .)) -}}
{{- end }}

{{- define "supermarket.podLauncherRole" -}}
{{- printf "%s-pod-launcher" (include "supermarket.fullname" .) -}}
{{- end }}

{{- define "supermarket.dataClaim" -}}
{{- .Values.dataVolume.claimName | default (printf "%s-data" (include "supermarket.fullname" .)) -}}
{{- end }}

{{- define "supermarket.dataStorageClass" -}}
{{- .Values.dataVolume.storageClassName | default (printf "%s-data" (include "supermarket.fullname" .)) -}}
{{- end }}

{{- define "supermarket.devDags" -}}
{{- .Values.devDags.claimName | default (printf "%s-dev-dags" (include "supermarket.fullname" .)) -}}
{{- end }}

{{- /* The ConfigMap with the pipeline's settings: the official chart's values refer to it by this name. */ -}}
{{- define "supermarket.pipelineConfigMap" -}}
{{- printf "%s-pipeline" (include "supermarket.fullname" .) -}}
{{- end }}

{{- define "supermarket.secretName" -}}
{{- printf "%s-airflow-%s" (include "supermarket.fullname" .root) .key -}}
{{- end }}

{{- define "supermarket.metadataSecret" -}}
{{- .Values.airflow.metadataSecretName | default (printf "%s-metadata" .Values.airflow.releaseName) -}}
{{- end }}

{{- define "supermarket.poolsChecksum" -}}
{{- /* Everything the Job's spec is made of (its template changes with the chart version: bump it), since a
Job's pod template cannot be changed: a change means a new Job. */ -}}
{{- print .Chart.Version .Release.Name (.Files.Get "files/pools.json") (toJson .Values.pools) (toJson .Values.airflow) | sha256sum | trunc 10 -}}
{{- end }}

{{- define "supermarket.poolsName" -}}
{{- $base := printf "%s-pools" (include "supermarket.fullname" .) -}}
{{- ternary $base (printf "%s-%s" $base (include "supermarket.poolsChecksum" .)) .Values.pools.useHelmHooks -}}
{{- end }}
