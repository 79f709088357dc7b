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
{{- .Files.Get "files/pools.json" | sha256sum | trunc 10 -}}
{{- end }}
