CREATE TABLE "dossier_monthly_dirty" (
	"agency_code" text NOT NULL,
	"procedure_code" text NOT NULL,
	"source" text NOT NULL,
	"bucket" text NOT NULL,
	CONSTRAINT "dossier_monthly_dirty_agency_code_procedure_code_source_bucket_pk" PRIMARY KEY("agency_code","procedure_code","source","bucket")
);
--> statement-breakpoint
CREATE INDEX "dossier_monthly_dirty_bucket_idx" ON "dossier_monthly_dirty" USING btree ("bucket");