{{- define "supermarket.labels" -}}
app.kubernetes.io/name: supermarket-pipeline
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: supermarket-pipeline
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{- define "supermarket.metadataSecret" -}}
{{- .Values.airflow.metadataSecretName | default (printf "%s-metadata" .Values.airflow.releaseName) -}}
{{- end }}

{{- define "supermarket.poolsChecksum" -}}
{{- /* Everything the Job's spec is made of (its template changes with the chart version: bump it), since a
Job's pod template cannot be changed: a change means a new Job. */ -}}
{{- print .Chart.Version (.Files.Get "files/pools.json") (toJson .Values.pools) (toJson .Values.airflow) | sha256sum | trunc 10 -}}
{{- end }}
