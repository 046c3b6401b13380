CREATE TABLE "document_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"document_id" uuid NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"content" "bytea" NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "document_files_size_check" CHECK ("document_files"."size_bytes" = octet_length("document_files"."content"))
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"number" text NOT NULL,
	"symbol" text NOT NULL,
	"year" integer,
	"issued_on" date,
	"issuer_agency_code" text,
	"issuer_name" text,
	"summary" text,
	"url" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"identity_key" text NOT NULL,
	"search_key" text NOT NULL,
	"issuer_key" text NOT NULL,
	"owner_agency_code" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "documents_type_check" CHECK (type in ('nghi-quyet','quyet-dinh','chi-thi','quy-che','quy-dinh','thong-cao','thong-bao','huong-dan','chuong-trinh','ke-hoach','phuong-an','de-an','du-an','bao-cao','bien-ban','to-trinh','hop-dong','cong-van','cong-dien','ban-ghi-nho','ban-thoa-thuan','giay-uy-quyen','giay-moi','giay-gioi-thieu','giay-nghi-phep','phieu-gui','phieu-chuyen','phieu-bao','thu-cong','hien-phap','bo-luat','luat','phap-lenh','nghi-dinh','thong-tu','thong-tu-lien-tich','ket-luan','thong-tri','quy-hoach')),
	CONSTRAINT "documents_year_check" CHECK ("documents"."year" between 1945 and 2100),
	CONSTRAINT "documents_one_issuer" CHECK ("documents"."issuer_agency_code" is null or "documents"."issuer_name" is null)
);
--> statement-breakpoint
ALTER TABLE "document_files" ADD CONSTRAINT "document_files_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_issuer_agency_code_agencies_code_fk" FOREIGN KEY ("issuer_agency_code") REFERENCES "public"."agencies"("code") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_owner_agency_code_agencies_code_fk" FOREIGN KEY ("owner_agency_code") REFERENCES "public"."agencies"("code") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "document_files_document_idx" ON "document_files" USING btree ("document_id","created_at");--> statement-breakpoint
CREATE INDEX "documents_identity_idx" ON "documents" USING btree ("identity_key");--> statement-breakpoint
CREATE INDEX "documents_type_date_idx" ON "documents" USING btree ("type","issued_on");--> statement-breakpoint
CREATE INDEX "documents_issuer_idx" ON "documents" USING btree ("issuer_agency_code");--> statement-breakpoint
CREATE INDEX "documents_issued_on_idx" ON "documents" USING btree ("issued_on");--> statement-breakpoint
ALTER TABLE "report_evidence" ADD CONSTRAINT "report_evidence_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE restrict ON UPDATE no action NOT VALID;--> statement-breakpoint
ALTER TABLE "value_evidence" ADD CONSTRAINT "value_evidence_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE restrict ON UPDATE no action NOT VALID;--> statement-breakpoint
CREATE INDEX "report_evidence_document_idx" ON "report_evidence" USING btree ("document_id");--> statement-breakpoint
CREATE INDEX "value_evidence_document_idx" ON "value_evidence" USING btree ("document_id");--> statement-breakpoint
-- Evidence ids were accepted before the registry existed. NOT VALID keeps any such rows (nothing an agency
-- submitted is dropped) while every new link must name a registered document.
COMMENT ON CONSTRAINT "value_evidence_document_id_documents_id_fk" ON "value_evidence" IS 'NOT VALID: links written before the documents registry are kept unchecked';
